// Why the reader gets this, how to leave, where to read it online, and the sender's postal address.
import type { CSSProperties } from 'react';
import type { IssueView } from '../../src/issues/view.js';
import { hostOf } from './format.js';
import { cls, color, font } from './theme.js';

const wrap: CSSProperties = { padding: '24px 28px 8px', fontFamily: font, textAlign: 'center' };
const text: CSSProperties = { margin: '0 0 12px', fontSize: '13px', lineHeight: '20px', color: color.muted };
const links: CSSProperties = { ...text, fontWeight: 700 };
const link: CSSProperties = { color: color.muted, textDecoration: 'underline' };

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
      <p className={cls.muted} style={links}>
        <a href={view.unsubscribeUrl} className={cls.muted} style={link}>
          Unsubscribe
        </a>
        {'\u00a0\u00a0·\u00a0\u00a0'}
        <a href={view.preferencesUrl} className={cls.muted} style={link}>
          Preferences
        </a>
        {'\u00a0\u00a0·\u00a0\u00a0'}
        <a href={view.viewInBrowserUrl} className={cls.muted} style={link}>
          View in browser
        </a>
      </p>
      <p className={cls.muted} style={text}>
        {view.mailingAddress}
      </p>
    </td>
  );
}
