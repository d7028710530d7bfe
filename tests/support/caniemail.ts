// Features of an email that caniemail's data (@jsx-email/doiuse-email) marks unsupported, per client
// family, counted per client version and per occurrence: `border-radius` on two elements counts 4 for
// Outlook (Windows and Windows Mail each see it twice). The yardstick is the same issue written as a plain
// react-email template (plain-comparison-email.tsx).
import { createElement } from 'react';
import { render } from '@react-email/render';
import { doIUseEmail } from '@jsx-email/doiuse-email';
import { ConfirmSubscription } from '../../emails/confirm-subscription.js';
import { previewIssue } from '../../emails/_components/preview-data.js';
import { checkIssue } from '../../src/issues/quality.js';
import { renderIssueEmail } from '../../src/issues/render.js';
import { PlainComparisonEmail } from './plain-comparison-email.js';

export const FAMILIES = { Gmail: 'gmail.*', 'Apple Mail': 'apple-mail.*', Outlook: 'outlook.*', Yahoo: 'yahoo.*' } as const;
export type Family = keyof typeof FAMILIES;

export interface FamilyCount {
  count: number;
  /** "`border-radius` (outlook.windows)" → occurrences, most first. */
  features: Array<[string, number]>;
}

export function unsupported(html: string): Record<Family, FamilyCount> {
  const out = {} as Record<Family, FamilyCount>;
  for (const [family, glob] of Object.entries(FAMILIES) as Array<[Family, string]>) {
    const r = doIUseEmail(html, { emailClients: [glob] });
    const errors = 'errors' in r ? (r.errors as string[]) : [];
    const byFeature = new Map<string, number>();
    for (const e of errors) {
      const m = /^`(.+)` is not supported by `(.+)`$/.exec(e);
      const key = m ? `${m[1]} (${m[2]})` : e;
      byFeature.set(key, (byFeature.get(key) ?? 0) + 1);
    }
    out[family] = { count: errors.length, features: [...byFeature].sort((a, b) => b[1] - a[1]) };
  }
  return out;
}

/** The three emails the table compares, as readers get them (the issue personalised for the sample reader). */
export async function comparedEmails(): Promise<{ issue: string; plain: string; confirmation: string }> {
  const view = previewIssue();
  const stored = await renderIssueEmail(view);
  const sent = checkIssue({ id: 1, week: view.week, subject: view.subject, ...stored }, { publicUrl: view.publicUrl, tokenSecret: 'caniemail-count-secret' }).sample.html;
  const plain = await render(createElement(PlainComparisonEmail, { view }));
  const confirmation = await render(createElement(ConfirmSubscription, ConfirmSubscription.PreviewProps));
  return { issue: sent, plain, confirmation };
}

/** A Markdown table: one row per family, one column per email. */
export function table(columns: Array<[string, Record<Family, FamilyCount>]>): string {
  const head = `| family | ${columns.map(([name]) => name).join(' | ')} |`;
  const rule = `| --- | ${columns.map(() => '---:').join(' | ')} |`;
  const rows = (Object.keys(FAMILIES) as Family[]).map((f) => `| ${f} | ${columns.map(([, c]) => c[f].count).join(' | ')} |`);
  return [head, rule, ...rows].join('\n');
}
