// An issue as a provider-side template: its stored HTML and text with each reader placeholder written as a
// template variable, `{{{UNSUBSCRIBE_TOKEN}}}`, `{{{VOTE_TOKEN_12}}}`. The provider fills in the reader's
// tokens; what the reader receives is byte for byte what the inline path sends (personalize.ts).
//
// Content is never a variable, and never read as one: a tool description or a reader's name holding `{{{…}}}`
// or `{{…}}` must reach the reader as written. So every `{` of the content that could open a placeholder (one
// followed by another `{`, or one right before a variable) is written as `{{{LBRACE}}}`, and a `}` right after
// a variable as `{{{RBRACE}}}`: constant variables whose fallbacks are the brace itself, never sent per reader.
// (An HTML entity would not do: the text part has none, and the HTML would no longer be the inline one.)
import { createHash } from 'node:crypto';
import { PLACEHOLDER, tokenFiller, type Filler, type IssueForSending } from './personalize.js';

/** The provider's limit on a template's variables. */
export const MAX_TEMPLATE_VARIABLES = 50;
const LBRACE = 'LBRACE';
const RBRACE = 'RBRACE';

export interface TemplateVariable {
  key: string;
  type: 'string';
  fallbackValue?: string;
}

export interface IssueTemplateSource {
  issueId: number;
  week: string;
  /** Of the stored html and text: a re-rendered issue (or a content variant) is another template. */
  contentHash: string;
  /** Stable: the same issue and content always give the same alias, in any process. */
  alias: string;
  name: string;
  html: string;
  text: string;
  variables: TemplateVariable[];
  /** The reader's tokens the template needs, one per variable key. */
  slots: Array<{ key: string; match: string; kind: string; toolId: string | undefined }>;
}

function escapeContent(segment: string, beforeVariable: boolean, afterVariable: boolean, used: Set<string>): string {
  let out = segment.replace(/\{(?=\{)/g, () => (used.add(LBRACE), `{{{${LBRACE}}}}`));
  if (beforeVariable && out.endsWith('{')) {
    out = `${out.slice(0, -1)}{{{${LBRACE}}}}`;
    used.add(LBRACE);
  }
  if (afterVariable && out.startsWith('}')) {
    out = `{{{${RBRACE}}}}${out.slice(1)}`;
    used.add(RBRACE);
  }
  return out;
}

function asTemplate(body: string, slots: Map<string, IssueTemplateSource['slots'][number]>, used: Set<string>): string {
  const out: string[] = [];
  let last = 0;
  let afterVariable = false;
  for (const m of body.matchAll(PLACEHOLDER)) {
    out.push(escapeContent(body.slice(last, m.index), true, afterVariable, used));
    const key = m[0].slice(2, -2);
    slots.set(key, { key, match: m[0], kind: m[1]!, toolId: m[2] });
    out.push(`{{{${key}}}}`);
    last = m.index! + m[0].length;
    afterVariable = true;
  }
  out.push(escapeContent(body.slice(last), false, afterVariable, used));
  return out.join('');
}

const sources = new WeakMap<IssueForSending, IssueTemplateSource>();

/** The template of an issue (computed once per issue object and process). */
export function issueTemplateSource(issue: IssueForSending): IssueTemplateSource {
  const hit = sources.get(issue);
  if (hit) return hit;
  const contentHash = createHash('sha256').update(issue.html).update('\0').update(issue.text).digest('hex').slice(0, 20);
  const slots = new Map<string, IssueTemplateSource['slots'][number]>();
  const used = new Set<string>();
  const html = asTemplate(issue.html, slots, used);
  const text = asTemplate(issue.text, slots, used);
  const variables: TemplateVariable[] = [...slots.keys()].map((key) => ({ key, type: 'string' }));
  if (used.has(LBRACE)) variables.push({ key: LBRACE, type: 'string', fallbackValue: '{' });
  if (used.has(RBRACE)) variables.push({ key: RBRACE, type: 'string', fallbackValue: '}' });
  const source: IssueTemplateSource = {
    issueId: issue.id,
    week: issue.week,
    contentHash,
    alias: `verdicts-${issue.week.toLowerCase()}-issue-${issue.id}-${contentHash.slice(0, 12)}`,
    name: `Weekly AI Tool Verdicts ${issue.week} (issue ${issue.id}, ${contentHash.slice(0, 12)})`,
    html,
    text,
    variables,
    slots: [...slots.values()],
  };
  sources.set(issue, source);
  return source;
}

/** One reader's variables: only their signed tokens. Same inputs, same tokens as the inline path. */
export function readerVariables(
  issue: IssueForSending,
  source: IssueTemplateSource,
  subscriberId: number,
  secret: string,
  fill: Filler = tokenFiller(issue, subscriberId, secret),
): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const s of source.slots) variables[s.key] = fill(s.match, s.kind, s.toolId);
  return variables;
}
