// The quality gate: what an email must satisfy before an editor may approve it (and what every template
// is tested against). Pure: it reads the HTML and text it is given and returns a report with failures.
// Links, images and lang come from our own react-email output (attributes always quoted), so a small tag
// scanner reads them; what a client's parser does with the document (stray text, titles) is judged by an
// HTML5 parser (email-document.ts).
import { personalise, type IssueForSending } from '../delivery/personalize.js';
import { documentProblems } from './email-document.js';

/** Gmail clips a message whose HTML passes 102 KB ("[Message clipped]"), hiding the footer and unsubscribe. */
export const GMAIL_CLIP_BYTES = 102 * 1024;

/** The reader id a sample personalisation uses: no reader has it, so its links act on nobody. */
export const SAMPLE_READER_ID = 0;

export type QualityCheck =
  | 'subject' | 'size' | 'text' | 'lang' | 'img-alt' | 'img-src' | 'links' | 'placeholders' | 'leftovers'
  | 'stray-text' | 'title' | 'width';

export interface QualityFailure {
  check: QualityCheck;
  message: string;
}

export type LinkKind = 'public' | 'tool' | 'external' | 'bad';

export interface LinkReport {
  href: string;
  /** The link's visible text (tags stripped), or its image's alt text. */
  label: string;
  kind: LinkKind;
  /** How many times this href appears. */
  count: number;
}

export interface EmailReport {
  htmlBytes: number;
  textBytes: number;
  limitBytes: number;
  lang: string | null;
  images: Array<{ src: string; alt: string | null }>;
  links: LinkReport[];
  failures: QualityFailure[];
}

export interface QualityOptions {
  publicUrl: string;
  /**
   * The tools' own links an issue may carry. When given, an outside link must be one of them; when
   * absent (a template without tools), any absolute http(s) link outside PUBLIC_URL is accepted.
   */
  toolUrls?: readonly string[];
}

const ENTITIES: Record<string, string> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>', nbsp: '\u00a0' };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

function attributes(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?/g;
  for (const m of tag.matchAll(re)) out.set(m[1]!.toLowerCase(), decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''));
  return out;
}

/** The HTML without comments, <style>, <script> and <head> text, so their content is not taken for tags or text. */
function markupOnly(html: string): string {
  return html.replace(/<!--[\s\S]*?-->/g, '').replace(/<(style|script|title)\b[\s\S]*?<\/\1\s*>/gi, '');
}

function visibleText(fragment: string): string {
  return decodeEntities(fragment.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
}

function normaliseUrl(u: string): string | null {
  try {
    return new URL(u).href;
  } catch {
    return null;
  }
}

function isHttpUrl(u: string): boolean {
  return /^https?:\/\//i.test(u) && normaliseUrl(u) !== null;
}

function underPublicUrl(href: string, publicUrl: string): boolean {
  const base = publicUrl.replace(/\/+$/, '');
  return href === base || href.startsWith(`${base}/`) || href.startsWith(`${base}?`) || href.startsWith(`${base}#`);
}

const KB = (n: number) => `${(n / 1024).toFixed(1)} KB`;

/** Checks one finished email (already personalised). */
export function checkEmail(email: { subject?: string | null; html: string | null; text: string | null }, opts: QualityOptions): EmailReport {
  const html = email.html ?? '';
  const text = email.text ?? '';
  const failures: QualityFailure[] = [];
  const fail = (check: QualityCheck, message: string) => failures.push({ check, message });
  const htmlBytes = Buffer.byteLength(html);
  const markup = markupOnly(html);

  if (email.subject !== undefined && !email.subject?.trim()) fail('subject', 'the subject is empty');
  if (!html.trim()) fail('size', 'there is no HTML part');
  else if (htmlBytes >= GMAIL_CLIP_BYTES) {
    fail('size', `the HTML is ${KB(htmlBytes)}: Gmail clips messages from ${KB(GMAIL_CLIP_BYTES)}, hiding the footer and the unsubscribe link`);
  }
  if (!text.trim()) fail('text', 'there is no plain-text part');
  if (html.trim()) for (const p of documentProblems(html)) fail(p.check, p.message);

  const htmlTag = /<html\b([^>]*)>/i.exec(markup);
  const lang = htmlTag ? attributes(htmlTag[1]!).get('lang')?.trim() || null : null;
  if (!lang) fail('lang', 'the <html> element has no lang attribute (screen readers need it)');

  const images: EmailReport['images'] = [];
  for (const m of markup.matchAll(/<img\b([^>]*)>/gi)) {
    const a = attributes(m[1]!);
    const src = a.get('src') ?? '';
    const alt = a.has('alt') ? a.get('alt')! : null;
    images.push({ src, alt });
    if (alt === null) fail('img-alt', `image ${src || '(no src)'} has no alt text`);
    if (!isHttpUrl(src) && !src.startsWith('data:')) fail('img-src', `image src "${src}" is not an absolute http(s) URL (mail clients cannot resolve it)`);
  }

  const tools = new Set((opts.toolUrls ?? []).map(normaliseUrl).filter((u): u is string => u !== null));
  const links = new Map<string, LinkReport>();
  for (const m of markup.matchAll(/<a\b([^>]*)>([\s\S]*?)<\/a\s*>/gi)) {
    const a = attributes(m[1]!);
    if (!a.has('href')) continue; // an anchor without href is not a link
    const href = a.get('href')!.trim();
    const seen = links.get(href);
    if (seen) {
      seen.count++;
      continue;
    }
    let label = visibleText(m[2]!);
    if (!label) label = [...m[2]!.matchAll(/\balt="([^"]*)"/gi)].map((x) => decodeEntities(x[1]!)).join(' ').trim();
    let kind: LinkKind;
    if (isHttpUrl(href) && underPublicUrl(href, opts.publicUrl)) kind = 'public';
    else if (isHttpUrl(href) && tools.has(normaliseUrl(href)!)) kind = 'tool';
    else if (isHttpUrl(href) && opts.toolUrls === undefined) kind = 'external';
    else kind = 'bad';
    links.set(href, { href, label, kind, count: 1 });
    if (kind === 'bad') {
      fail(
        'links',
        isHttpUrl(href)
          ? `link ${href} ("${label}") is neither under PUBLIC_URL (${opts.publicUrl}) nor a tool's link`
          : `link "${href || '(empty)'}" ("${label}") is not an absolute http(s) URL`,
      );
    }
  }

  // Template slips that render without an error but read badly.
  const leftovers = new Set<string>();
  for (const part of [visibleText(markup), text]) {
    for (const m of part.matchAll(/\[object Object\]|\b(?:NaN|undefined|null) ?%|\{\{\s*[\w.]+\s*\}\}/g)) leftovers.add(m[0]);
  }
  if (leftovers.size) fail('leftovers', `the message shows ${[...leftovers].map((s) => `"${s}"`).join(', ')}: a value is missing in the template`);

  return { htmlBytes, textBytes: Buffer.byteLength(text), limitBytes: GMAIL_CLIP_BYTES, lang, images, links: [...links.values()], failures };
}

/** Placeholders still in a text: `%%NAME%%` tokens the personalisation did not know. */
export function placeholdersIn(s: string): string[] {
  return [...new Set(s.match(/%%[A-Z0-9_]+%%/g) ?? [])];
}

/**
 * Checks a stored issue as a reader would get it: personalised for the sample reader (id 0), so the
 * size counts real tokens and any placeholder the personalisation does not fill is caught.
 */
export function checkIssue(
  issue: { id: number; week: string; subject: string | null; html: string | null; text: string | null },
  opts: QualityOptions & { tokenSecret: string },
): EmailReport & { sample: { html: string; text: string } } {
  if (!issue.html || !issue.text) {
    const report = checkEmail(issue, opts);
    return { ...report, sample: { html: issue.html ?? '', text: issue.text ?? '' } };
  }
  const forSending: IssueForSending = {
    id: issue.id,
    week: issue.week,
    subject: issue.subject ?? '',
    html: issue.html,
    text: issue.text,
    sendStartedAt: new Date(),
  };
  const p = personalise(forSending, SAMPLE_READER_ID, opts.tokenSecret, opts.publicUrl);
  const report = checkEmail({ subject: issue.subject, html: p.html, text: p.text }, opts);
  const left = placeholdersIn(p.html + '\n' + p.text);
  if (left.length) {
    report.failures.push({ check: 'placeholders', message: `placeholders left after personalising: ${left.join(', ')}` });
  }
  return { ...report, sample: { html: p.html, text: p.text } };
}

/** One line for a CLI or an error page: "2 problems: …; …", a check that failed many times shown once with a count. */
export function describeFailures(failures: QualityFailure[]): string {
  if (failures.length === 0) return 'all quality checks pass';
  const byCheck = new Map<QualityCheck, string[]>();
  for (const f of failures) byCheck.set(f.check, [...(byCheck.get(f.check) ?? []), f.message]);
  const parts = [...byCheck.values()].map((m) => (m.length > 2 ? `${m[0]} (and ${m.length - 1} more like it)` : m.join('; ')));
  return `${failures.length} problem${failures.length === 1 ? '' : 's'}: ${parts.join('; ')}`;
}
