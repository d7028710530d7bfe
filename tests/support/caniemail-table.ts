// Prints the caniemail table of the README: `npx tsx tests/support/caniemail-table.ts [--before FILE.html]
// [--details]`. --before adds a column for an issue's HTML saved from older code (as sent); --details
// lists each family's unsupported features.
import { readFileSync } from 'node:fs';
import { comparedEmails, table, unsupported, type Family, type FamilyCount } from './caniemail.js';

const args = process.argv.slice(2);
const before = args.includes('--before') ? args[args.indexOf('--before') + 1] : undefined;
const emails = await comparedEmails();
const columns: Array<[string, Record<Family, FamilyCount>]> = [];
if (before) columns.push(['issue before', unsupported(readFileSync(before, 'utf8'))]);
columns.push(['issue', unsupported(emails.issue)], ['plain react-email', unsupported(emails.plain)], ['confirmation', unsupported(emails.confirmation)]);
console.log(table(columns));
if (args.includes('--details')) {
  for (const [name, counts] of columns) {
    console.log(`\n${name}`);
    for (const [family, c] of Object.entries(counts)) console.log(`  ${family} ${c.count}: ${c.features.map(([f, n]) => `${f} ×${n}`).join(', ')}`);
  }
}
