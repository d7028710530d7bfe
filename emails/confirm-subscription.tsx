// The double opt-in email: one button, the link spelled out, and why the reader got it. Transactional:
// no unsubscribe link, because without a click on the button nothing else is ever sent. The name the
// form was given is never echoed here, so the signup form cannot be used to mail someone a message.
import { EmailDocument, Sheet } from './_components/document.js';
import { Masthead } from './_components/header.js';
import { ShortFooter } from './_components/footer.js';
import { hostOf } from './_components/format.js';
import { cls, st, letter } from './_components/theme.js';

interface Props {
  confirmUrl: string;
  publicUrl: string;
  mailingAddress: string;
  /** Where the address came from: the signup form, or an import of an earlier list. */
  source: 'form' | 'import';
  expiresInDays: number;
}

export const CONFIRM_SUBJECT = 'Confirm your subscription to Weekly AI Tool Verdicts';

const { button, body, small, urlText, link } = letter;

/** Why this address got the email, in the words of the footer (HTML and text alike). */
export function whyYouGotThis(p: Pick<Props, 'publicUrl' | 'source'>): string {
  return p.source === 'import'
    ? `Your address was on a list moved to Weekly AI Tool Verdicts (${hostOf(p.publicUrl)}). We will not send you anything unless you confirm.`
    : `Someone, hopefully you, entered this address in the signup form at ${hostOf(p.publicUrl)}. If it was not you, ignore this email: without a click on the button you will not hear from us again.`;
}

const PREHEADER = 'One click to confirm, then one email a week with two AI tools side by side.';

/** The issue's look (masthead, sheet, footer, dark mode): one newsletter, whichever email arrives first. */
export function ConfirmSubscription(p: Props) {
  return (
    <EmailDocument subject={CONFIRM_SUBJECT} preheader={PREHEADER}>
      <Masthead view={{}} />
      <Sheet style={st.sheetUnderHeader}>
        <h1 className={`${cls.text} ${cls.h1}`} style={st.h1}>
          Confirm your subscription
        </h1>
        <p className={cls.text} style={body}>
          One click and you are in: every week, two comparable AI tools side by side, with our reviewer panel's
          ship-or-skip verdicts, the pricing entry and what readers voted.
        </p>
        <p style={{ margin: '24px 0' }}>
          <a href={p.confirmUrl} className={cls.round} style={button}>
            Yes, subscribe me
          </a>
        </p>
        <p className={cls.muted} style={small}>
          Button not working? Paste this link into your browser:
        </p>
        <p className={cls.muted} style={urlText}>
          <a href={p.confirmUrl} className={cls.link} style={link}>
            {p.confirmUrl}
          </a>
        </p>
        <p className={cls.muted} style={small}>{`The link works for ${p.expiresInDays} days.`}</p>
      </Sheet>
      <ShortFooter why={whyYouGotThis(p)} mailingAddress={p.mailingAddress} />
    </EmailDocument>
  );
}

/** The plain-text part: the same words, the link spelled out. */
export function confirmSubscriptionText(p: Props): string {
  return [
    'WEEKLY AI TOOL VERDICTS',
    '',
    'Confirm your subscription',
    '',
    "One click and you are in: every week, two comparable AI tools side by side, with our reviewer panel's ship-or-skip verdicts, the pricing entry and what readers voted.",
    '',
    'Yes, subscribe me:',
    p.confirmUrl,
    '',
    `The link works for ${p.expiresInDays} days.`,
    '',
    '-'.repeat(60),
    whyYouGotThis(p),
    '',
    p.mailingAddress,
    '',
  ].join('\n');
}

ConfirmSubscription.PreviewProps = {
  confirmUrl: 'https://verdicts.example.com/confirm?token=c.42.0.0.1795000000.sample-signature-for-the-preview-only',
  publicUrl: 'https://verdicts.example.com',
  mailingAddress: 'Weekly AI Tool Verdicts · 10 Sample Street · Springfield 00000 (placeholder address)',
  source: 'form',
  expiresInDays: 7,
} satisfies Props;

export default ConfirmSubscription;
