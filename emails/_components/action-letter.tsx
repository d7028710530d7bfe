// The one-action letters (the confirmation, "still want this?"): the masthead and sheet, a heading,
// a paragraph, one button with its link spelled out under it for clients that break buttons, one more
// paragraph, and the short footer. The plain-text part says the same words in the same order.
import { EmailDocument, Sheet } from './document.js';
import { ShortFooter, type FooterLink } from './footer.js';
import { Masthead } from './header.js';
import { cls, letter, st } from './theme.js';

export interface OneAction {
  subject: string;
  preheader: string;
  title: string;
  /** The paragraph above the button. */
  intro: string;
  /** The button's words, and where it leads. */
  label: string;
  url: string;
  /** The paragraph after the link; `quiet`: small and muted, like the line about the link. */
  after: { text: string; quiet?: boolean };
  /** The footer: why the reader got this, any links, the postal address. */
  why: string;
  links?: FooterLink[];
  mailingAddress: string;
}

export function ActionLetter({ a }: { a: OneAction }) {
  return (
    <EmailDocument subject={a.subject} preheader={a.preheader}>
      <Masthead view={{}} />
      <Sheet style={st.sheetUnderHeader}>
        <h1 className={`${cls.text} ${cls.h1}`} style={st.h1}>
          {a.title}
        </h1>
        <p className={cls.text} style={letter.body}>
          {a.intro}
        </p>
        <p style={{ margin: '24px 0' }}>
          <a href={a.url} className={cls.round} style={letter.button}>
            {a.label}
          </a>
        </p>
        <p className={cls.muted} style={letter.small}>
          Button not working? Paste this link into your browser:
        </p>
        <p className={cls.muted} style={letter.urlText}>
          <a href={a.url} className={cls.link} style={letter.link}>
            {a.url}
          </a>
        </p>
        <p className={a.after.quiet ? cls.muted : cls.text} style={a.after.quiet ? letter.small : letter.body}>
          {a.after.text}
        </p>
      </Sheet>
      <ShortFooter why={a.why} links={a.links} mailingAddress={a.mailingAddress} />
    </EmailDocument>
  );
}

/** The plain-text part: the same words, every link spelled out. */
export function actionLetterText(a: OneAction): string {
  return [
    'WEEKLY AI TOOL VERDICTS',
    '',
    a.title,
    '',
    a.intro,
    '',
    `${a.label}:`,
    a.url,
    '',
    a.after.text,
    '',
    '-'.repeat(60),
    a.why,
    ...(a.links ?? []).map((l) => `${l.label}: ${l.href}`),
    '',
    a.mailingAddress,
    '',
  ].join('\n');
}
