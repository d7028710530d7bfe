// Per-reader parts of an issue. The issue is rendered once with placeholders in its links; at send time
// each placeholder becomes that reader's signed token: the body is cut at its placeholders once per
// process, and each reader's copy is the fixed parts joined with their tokens.
import { signToken, expiryFrom } from '../subscribers/tokens.js';

export const UNSUBSCRIBE_PLACEHOLDER = '%%UNSUBSCRIBE_TOKEN%%';
export const PREFERENCES_PLACEHOLDER = '%%PREFERENCES_TOKEN%%';
export const votePlaceholder = (toolId: number) => `%%VOTE_TOKEN_${toolId}%%`;
/** Every reader-specific slot of a stored issue: the token's kind, and for a vote its tool. */
export const PLACEHOLDER = /%%(UNSUBSCRIBE_TOKEN|PREFERENCES_TOKEN|VOTE_TOKEN_(\d+))%%/g;

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

/**
 * A personalised body that is produced when it is serialised. The resend SDK passes `html` and `text`
 * through untouched to one `JSON.stringify` of the whole batch, which calls `toJSON`: each reader's
 * copy of the ~36 KB issue then lives only while it is written into the request body, instead of all
 * 100 copies living for the whole request (~10 MB per batch in flight). `String(body)` gives the text.
 */
export interface DeferredText {
  toJSON(): string;
  toString(): string;
}

export interface PersonalisedLazily {
  html: DeferredText;
  text: DeferredText;
  unsubscribeUrl: string;
}

export type Filler = (match: string, kind: string, toolId?: string) => string;

/** One reader's tokens, each signed once, on first use. Same inputs, same tokens. */
export function tokenFiller(issue: IssueForSending, subscriberId: number, secret: string): Filler {
  const tokens = new Map<string, string>();
  return (match, kind, toolId) => {
    let t = tokens.get(match);
    if (t === undefined) {
      t =
        kind === 'UNSUBSCRIBE_TOKEN'
          ? signToken(secret, { purpose: 'unsubscribe', subscriberId, issueId: issue.id, toolId: 0, expiresAt: expiryFrom(issue.sendStartedAt, 'unsubscribe') })
          : kind === 'PREFERENCES_TOKEN'
            ? signToken(secret, { purpose: 'preferences', subscriberId, issueId: 0, toolId: 0, expiresAt: expiryFrom(issue.sendStartedAt, 'preferences') })
            : signToken(secret, { purpose: 'vote', subscriberId, issueId: issue.id, toolId: Number(toolId), expiresAt: expiryFrom(issue.sendStartedAt, 'vote') });
      tokens.set(match, t);
    }
    return t;
  };
}

/**
 * A stored body cut at its placeholders, once per issue and process: filling it for a reader is then a
 * join of the fixed parts with that reader's tokens, with no search through the ~36 KB text per reader.
 */
interface CutTemplate {
  parts: string[];
  slots: Array<{ match: string; kind: string; toolId: string | undefined }>;
}

// Keyed by the stored body itself (the sender keeps each issue's strings for as long as it sends it).
const cutCache = new Map<string, CutTemplate>();

function cut(template: string): CutTemplate {
  const hit = cutCache.get(template);
  if (hit) return hit;
  const parts: string[] = [];
  const slots: CutTemplate['slots'] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    parts.push(template.slice(last, m.index));
    slots.push({ match: m[0], kind: m[1]!, toolId: m[2] });
    last = m.index! + m[0].length;
  }
  parts.push(template.slice(last));
  const t = { parts, slots };
  // An issue's html and text, and a few issues at most; an unbounded map would keep every body ever sent.
  if (cutCache.size >= 16) cutCache.clear();
  cutCache.set(template, t);
  return t;
}

class FilledOnDemand implements DeferredText {
  private readonly template: CutTemplate;
  constructor(
    template: string,
    private readonly fill: Filler,
  ) {
    this.template = cut(template);
  }
  toString(): string {
    const { parts, slots } = this.template;
    const out = new Array<string>(parts.length + slots.length);
    out[0] = parts[0]!;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      out[2 * i + 1] = this.fill(s.match, s.kind, s.toolId);
      out[2 * i + 2] = parts[i + 1]!;
    }
    return out.join('');
  }
  toJSON(): string {
    return this.toString();
  }
}

/** Fills one reader's tokens into the stored issue. Same inputs, byte-identical output. */
export function personalise(issue: IssueForSending, subscriberId: number, secret: string, publicUrl: string): Personalised {
  const p = personaliseLazily(issue, subscriberId, secret, publicUrl);
  return { html: String(p.html), text: String(p.text), unsubscribeUrl: p.unsubscribeUrl };
}

/** As `personalise`, with the bodies produced only when serialised (see DeferredText). */
export function personaliseLazily(
  issue: IssueForSending,
  subscriberId: number,
  secret: string,
  publicUrl: string,
  fill: Filler = tokenFiller(issue, subscriberId, secret),
): PersonalisedLazily {
  return {
    html: new FilledOnDemand(issue.html, fill),
    text: new FilledOnDemand(issue.text, fill),
    unsubscribeUrl: `${publicUrl}/unsubscribe?token=${fill(UNSUBSCRIBE_PLACEHOLDER, 'UNSUBSCRIBE_TOKEN')}`,
  };
}

/** The archive copy: no reader's links. Unsubscribe and preferences point at the signup page, votes at the archive page. */
export function depersonalise(html: string, publicUrl: string, week: string): string {
  return html
    .replace(new RegExp(`${escapeRe(publicUrl)}/unsubscribe\\?token=${escapeRe(UNSUBSCRIBE_PLACEHOLDER)}`, 'g'), `${publicUrl}/`)
    .replace(new RegExp(`${escapeRe(publicUrl)}/preferences\\?token=${escapeRe(PREFERENCES_PLACEHOLDER)}`, 'g'), `${publicUrl}/`)
    .replace(new RegExp(`${escapeRe(publicUrl)}/vote\\?token=%%VOTE_TOKEN_\\d+%%(&amp;|&)choice=(ship|skip)`, 'g'), `${publicUrl}/issues/${week}#vote`);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
