// Per-reader parts of an issue. The issue is rendered once with placeholders in its links; at send time
// each placeholder becomes that reader's signed token by one pass of string substitution.
import { signToken, expiryFrom } from '../subscribers/tokens.js';

export const UNSUBSCRIBE_PLACEHOLDER = '%%UNSUBSCRIBE_TOKEN%%';
export const votePlaceholder = (toolId: number) => `%%VOTE_TOKEN_${toolId}%%`;
const PLACEHOLDER = /%%(UNSUBSCRIBE_TOKEN|VOTE_TOKEN_(\d+))%%/g;

/** True when any placeholder is left in a text (a quality check after personalisation). */
export function hasPlaceholder(s: string): boolean {
  return /%%[A-Z_0-9]+%%/.test(s);
}

export interface IssueForSending {
  id: number;
  week: string;
  subject: string;
  html: string;
  text: string;
  sendStartedAt: Date;
}

export interface Personalised {
  html: string;
  text: string;
  unsubscribeUrl: string;
}

/** Fills one reader's tokens into the stored issue. Same inputs, byte-identical output. */
export function personalise(issue: IssueForSending, subscriberId: number, secret: string, publicUrl: string): Personalised {
  const tokens = new Map<string, string>();
  const tokenFor = (match: string, kind: string, toolId?: string): string => {
    let t = tokens.get(match);
    if (t === undefined) {
      t =
        kind === 'UNSUBSCRIBE_TOKEN'
          ? signToken(secret, { purpose: 'unsubscribe', subscriberId, issueId: issue.id, toolId: 0, expiresAt: expiryFrom(issue.sendStartedAt, 'unsubscribe') })
          : signToken(secret, { purpose: 'vote', subscriberId, issueId: issue.id, toolId: Number(toolId), expiresAt: expiryFrom(issue.sendStartedAt, 'vote') });
      tokens.set(match, t);
    }
    return t;
  };
  const html = issue.html.replace(PLACEHOLDER, tokenFor);
  const text = issue.text.replace(PLACEHOLDER, tokenFor);
  const unsubscribeUrl = `${publicUrl}/unsubscribe?token=${tokenFor(UNSUBSCRIBE_PLACEHOLDER, 'UNSUBSCRIBE_TOKEN')}`;
  return { html, text, unsubscribeUrl };
}

/** The archive copy: no reader's links. Unsubscribe points at the signup page, votes at the archive page. */
export function depersonalise(html: string, publicUrl: string, week: string): string {
  return html
    .replace(new RegExp(`${escapeRe(publicUrl)}/unsubscribe\\?token=${escapeRe(UNSUBSCRIBE_PLACEHOLDER)}`, 'g'), `${publicUrl}/`)
    .replace(new RegExp(`${escapeRe(publicUrl)}/vote\\?token=%%VOTE_TOKEN_\\d+%%(&amp;|&)choice=(ship|skip)`, 'g'), `${publicUrl}/issues/${week}#vote`);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
