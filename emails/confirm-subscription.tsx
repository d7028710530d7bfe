// The double opt-in email: one button, the link spelled out, and why the reader got it. Transactional:
// no unsubscribe link, because without a click on the button nothing else is ever sent. The name the
// form was given is never echoed here, so the signup form cannot be used to mail someone a message.
import { ActionLetter, actionLetterText, type OneAction } from './_components/action-letter.js';
import { hostOf } from './_components/format.js';

interface Props {
  confirmUrl: string;
  publicUrl: string;
  mailingAddress: string;
  /** Where the address came from: the signup form, or an import of an earlier list. */
  source: 'form' | 'import';
  expiresInDays: number;
}

export const CONFIRM_SUBJECT = 'Confirm your subscription to Weekly AI Tool Verdicts';

/** Why this address got the email, in the words of the footer (HTML and text alike). */
export function whyYouGotThis(p: Pick<Props, 'publicUrl' | 'source'>): string {
  return p.source === 'import'
    ? `Your address was on a list moved to Weekly AI Tool Verdicts (${hostOf(p.publicUrl)}). We will not send you anything unless you confirm.`
    : `Someone, hopefully you, entered this address in the signup form at ${hostOf(p.publicUrl)}. If it was not you, ignore this email: without a click on the button you will not hear from us again.`;
}

const PREHEADER = 'One click to confirm, then one email a week with two AI tools side by side.';

/** What the letter says, for the HTML and the text part alike. */
const action = (p: Props): OneAction => ({
  subject: CONFIRM_SUBJECT,
  preheader: PREHEADER,
  title: 'Confirm your subscription',
  intro:
    "One click and you are in: every week, two comparable AI tools side by side, with our reviewer panel's ship-or-skip verdicts, the pricing entry and what readers voted.",
  label: 'Yes, subscribe me',
  url: p.confirmUrl,
  after: { text: `The link works for ${p.expiresInDays} days.`, quiet: true },
  why: whyYouGotThis(p),
  mailingAddress: p.mailingAddress,
});

/** The look (masthead, sheet, footer, dark mode): one newsletter, whichever email arrives first. */
export function ConfirmSubscription(p: Props) {
  return <ActionLetter a={action(p)} />;
}

/** The plain-text part: the same words, the link spelled out. */
export function confirmSubscriptionText(p: Props): string {
  return actionLetterText(action(p));
}

ConfirmSubscription.PreviewProps = {
  confirmUrl: 'https://verdicts.example.com/confirm?token=c.42.0.0.1795000000.sample-signature-for-the-preview-only',
  publicUrl: 'https://verdicts.example.com',
  mailingAddress: 'Weekly AI Tool Verdicts · 10 Sample Street · Springfield 00000 (placeholder address)',
  source: 'form',
  expiresInDays: 7,
} satisfies Props;

export default ConfirmSubscription;
