// Unsupported features per mail-client family in caniemail's data, over the emails as readers get them,
// against the same issue written as a plain react-email template. The table it prints is the README's.
import { beforeAll, describe, expect, it } from 'vitest';
import { comparedEmails, FAMILIES, table, unsupported, type Family, type FamilyCount } from '../support/caniemail.js';

let counts: { issue: Record<Family, FamilyCount>; plain: Record<Family, FamilyCount>; confirmation: Record<Family, FamilyCount> };

beforeAll(async () => {
  const emails = await comparedEmails();
  counts = { issue: unsupported(emails.issue), plain: unsupported(emails.plain), confirmation: unsupported(emails.confirmation) };
  console.log(table([['issue', counts.issue], ['plain react-email', counts.plain], ['confirmation', counts.confirmation]]));
});

describe('caniemail: unsupported features per client family', () => {
  for (const family of Object.keys(FAMILIES) as Family[]) {
    it(`${family}: the issue and the confirmation use at most half of what the plain template does`, () => {
      const half = counts.plain[family].count / 2;
      expect(counts.issue[family].count, JSON.stringify(counts.issue[family].features)).toBeLessThanOrEqual(half);
      expect(counts.confirmation[family].count, JSON.stringify(counts.confirmation[family].features)).toBeLessThanOrEqual(half);
    });
  }

  it('the issue uses none of word-break, white-space, overflow, opacity or aria-hidden, and one border-radius rule', () => {
    const features = (Object.keys(FAMILIES) as Family[]).flatMap((f) => counts.issue[f].features.map(([name]) => name.replace(/ \(.*$/, '')));
    for (const gone of ['word-break', 'white-space', 'overflow', 'opacity', 'aria-hidden attribute']) expect(features).not.toContain(gone);
    expect(counts.issue.Outlook.features.filter(([name]) => name.startsWith('border-radius'))).toEqual([
      ['border-radius (outlook.windows)', 1],
      ['border-radius (outlook.windows-mail)', 1],
    ]);
  });
});
