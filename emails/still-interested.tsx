// "Still want this?": sent once to a reader who has not clicked or voted in the last SUNSET_AFTER_ISSUES
// issues they received (src/subscribers/sunset.ts). One button keeps them (a page with a POST button, as
// for votes: link scanners open links); without an answer the issues stop after a few more weeks. Built
// like the confirmation email: the issue's masthead, sheet and footer, so dark mode works the same way.
import { EmailDocument, Sheet } from './_components/document.js';
import { Masthead } from './_components/header.js';
import { hostOf } from './_components/format.js';
import { cls, color, font, st, letter } from './_components/theme.js';

interface Props {
  publicUrl: string;
  mailingAddress: string;
  /** Issues still sent without an answer (SUNSET_GRACE_ISSUES). */
  graceIssues: number;
  keepUrl: string;
  unsubscribeUrl: string;
}

export const STILL_INTERESTED_SUBJECT = 'Still want Weekly AI Tool Verdicts?';
const PREHEADER = 'One click keeps your weekly comparison coming. Otherwise we will stop writing soon.';

const { button, body, small, urlText, link } = letter;
const footer = { padding: '20px 28px 8px', fontFamily: font, textAlign: 'center' } as const;
const footerText = { margin: '0 0 10px', fontSize: '13px', lineHeight: '20px', color: color.muted } as const;
const footerLink = { color: color.muted, textDecoration: 'underline' } as const;

const stopLine = (p: Props) =>
  `If we do not hear from you, we send ${p.graceIssues} more issues and then stop. You can come back any time: this button keeps working, and so does the signup form.`;

export function StillInterested(p: Props) {
  return (
    <EmailDocument subject={STILL_INTERESTED_SUBJECT} preheader={PREHEADER}>
      <Masthead view={{}} />
      <Sheet style={st.sheetUnderHeader}>
        <h1 className={`${cls.text} ${cls.h1}`} style={st.h1}>
          Still want this?
        </h1>
        <p className={cls.text} style={body}>
          We have not seen a click or a vote from you in a while. Mailboxes fill up and interests move on, so
          rather than keep writing to you unasked: do you still want two AI tools side by side every week?
        </p>
        <p style={{ margin: '24px 0' }}>
          <a href={p.keepUrl} className={cls.round} style={button}>
            Yes, keep sending it
          </a>
        </p>
        <p className={cls.muted} style={small}>
          Button not working? Paste this link into your browser:
        </p>
        <p className={cls.muted} style={urlText}>
          <a href={p.keepUrl} className={cls.link} style={link}>
            {p.keepUrl}
          </a>
        </p>
        <p className={cls.text} style={body}>
          {stopLine(p)}
        </p>
      </Sheet>
      <tr>
        <td className={cls.page} style={footer}>
          <p className={cls.muted} style={footerText}>
            {`You get this because you subscribed at ${hostOf(p.publicUrl)}.`}
          </p>
          <p className={cls.muted} style={{ ...footerText, fontWeight: 700 }}>
            <a href={p.unsubscribeUrl} className={cls.muted} style={footerLink}>
              Unsubscribe now
            </a>
          </p>
          <p className={cls.muted} style={footerText}>
            {p.mailingAddress}
          </p>
        </td>
      </tr>
    </EmailDocument>
  );
}

/** The plain-text part: the same words, every link spelled out. */
export function stillInterestedText(p: Props): string {
  return [
    'WEEKLY AI TOOL VERDICTS',
    '',
    'Still want this?',
    '',
    'We have not seen a click or a vote from you in a while. Mailboxes fill up and interests move on, so rather than keep writing to you unasked: do you still want two AI tools side by side every week?',
    '',
    'Yes, keep sending it:',
    p.keepUrl,
    '',
    stopLine(p),
    '',
    '-'.repeat(60),
    `You get this because you subscribed at ${hostOf(p.publicUrl)}.`,
    `Unsubscribe now: ${p.unsubscribeUrl}`,
    '',
    p.mailingAddress,
    '',
  ].join('\n');
}

StillInterested.PreviewProps = {
  publicUrl: 'https://verdicts.example.com',
  mailingAddress: 'Weekly AI Tool Verdicts · 10 Sample Street · Springfield 00000 (placeholder address)',
  graceIssues: 2,
  keepUrl: 'https://verdicts.example.com/keep?token=k.42.0.0.1795000000.sample-signature-for-the-preview-only',
  unsubscribeUrl: 'https://verdicts.example.com/unsubscribe?token=u.42.0.0.1795000000.sample-signature-for-the-preview-only',
} satisfies Props;

export default StillInterested;
