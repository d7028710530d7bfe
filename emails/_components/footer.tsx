// Why the reader gets this, how to leave, where to read it online, and the sender's postal address: the
// issue's footer, and the shorter one of the emails around it (confirmation, welcome).
import { Fragment, type CSSProperties } from 'react';
import type { IssueView } from '../../src/issues/view.js';
import { hostOf } from './format.js';
import { cls, color, font } from './theme.js';

const wrap: CSSProperties = { padding: '24px 28px 8px', fontFamily: font, textAlign: 'center' };
const text: CSSProperties = { margin: '0 0 12px', fontSize: '13px', lineHeight: '20px', color: color.muted };
const links: CSSProperties = { ...text, fontWeight: 700 };
const link: CSSProperties = { color: color.muted, textDecoration: 'underline' };
const shortWrap: CSSProperties = { padding: '20px 28px 8px', fontFamily: font, textAlign: 'center' };
const shortText: CSSProperties = { margin: '0 0 10px', fontSize: '13px', lineHeight: '20px', color: color.muted };

export interface FooterLink {
  href: string;
  label: string;
}

/** A footer's row of links, muted and underlined, a spaced dot between them. */
function FooterLinks({ links, style }: { links: FooterLink[]; style: CSSProperties }) {
  return (
    <p className={cls.muted} style={style}>
      {links.map((l, i) => (
        <Fragment key={l.label}>
          {i > 0 && '\u00a0\u00a0·\u00a0\u00a0'}
          <a href={l.href} className={cls.muted} style={link}>
            {l.label}
          </a>
        </Fragment>
      ))}
    </p>
  );
}

/** The footer row of an email that is not an issue: why the reader got it, any links, the postal address. */
export function ShortFooter({ why, links, mailingAddress }: { why: string; links?: FooterLink[]; mailingAddress: string }) {
  return (
    <tr>
      <td className={cls.page} style={shortWrap}>
        <p className={cls.muted} style={shortText}>
          {why}
        </p>
        {links && <FooterLinks links={links} style={{ ...shortText, fontWeight: 700 }} />}
        <p className={cls.muted} style={shortText}>
          {mailingAddress}
        </p>
      </td>
    </tr>
  );
}

export function Footer({ view }: { view: IssueView }) {
  return (
    <td className={cls.page} style={wrap}>
      <p className={cls.muted} style={text}>
        Panel ship is the share of our reviewers who said ship; community is the share of reader votes, shown once
        enough votes are in.
      </p>
      <p className={cls.muted} style={text}>
        {`You get this because you subscribed to Weekly AI Tool Verdicts at ${hostOf(view.publicUrl)}. Forwarded to you? `}
        <a href={view.signupUrl} className={cls.muted} style={link}>
          Subscribe here
        </a>
        .
      </p>
      <FooterLinks
        links={[
          { href: view.unsubscribeUrl, label: 'Unsubscribe' },
          { href: view.preferencesUrl, label: 'Preferences' },
          { href: view.viewInBrowserUrl, label: 'View in browser' },
        ]}
        style={links}
      />
      <p className={cls.muted} style={text}>
        {view.mailingAddress}
      </p>
    </td>
  );
}
