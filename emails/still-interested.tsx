// "Still want this?": sent once to a reader who has not clicked or voted in the last SUNSET_AFTER_ISSUES
// issues they received (src/subscribers/sunset.ts). One button keeps them (a page with a POST button, as
// for votes: link scanners open links); without an answer the issues stop after a few more weeks. Built
// like the confirmation email: the issue's masthead, sheet and footer, so dark mode works the same way.
import { ActionLetter, actionLetterText, type OneAction } from './_components/action-letter.js';
import { hostOf } from './_components/format.js';

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

const stopLine = (p: Props) =>
  `If we do not hear from you, we send ${p.graceIssues} more issues and then stop. You can come back any time: this button keeps working, and so does the signup form.`;

/** What the letter says, for the HTML and the text part alike. */
const action = (p: Props): OneAction => ({
  subject: STILL_INTERESTED_SUBJECT,
  preheader: PREHEADER,
  title: 'Still want this?',
  intro:
    'We have not seen a click or a vote from you in a while. Mailboxes fill up and interests move on, so rather than keep writing to you unasked: do you still want two AI tools side by side every week?',
  label: 'Yes, keep sending it',
  url: p.keepUrl,
  after: { text: stopLine(p) },
  why: `You get this because you subscribed at ${hostOf(p.publicUrl)}.`,
  links: [{ href: p.unsubscribeUrl, label: 'Unsubscribe now' }],
  mailingAddress: p.mailingAddress,
});

export function StillInterested(p: Props) {
  return <ActionLetter a={action(p)} />;
}

/** The plain-text part: the same words, every link spelled out. */
export function stillInterestedText(p: Props): string {
  return actionLetterText(action(p));
}

StillInterested.PreviewProps = {
  publicUrl: 'https://verdicts.example.com',
  mailingAddress: 'Weekly AI Tool Verdicts · 10 Sample Street · Springfield 00000 (placeholder address)',
  graceIssues: 2,
  keepUrl: 'https://verdicts.example.com/keep?token=k.42.0.0.1795000000.sample-signature-for-the-preview-only',
  unsubscribeUrl: 'https://verdicts.example.com/unsubscribe?token=u.42.0.0.1795000000.sample-signature-for-the-preview-only',
} satisfies Props;

export default StillInterested;
