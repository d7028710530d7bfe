// The fake provider's templates, as shared/reference/resend-openapi.yaml describes them: POST /templates,
// GET and DELETE /templates/{id or alias}, POST /templates/{id or alias}/publish, and the rendering of a
// message that carries `template: {id, variables}` instead of html/text. Kept apart from fake-resend.ts,
// which only routes to it and asks it to render.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/** Keys Resend keeps for itself: a template may not declare them. */
export const RESERVED_VARIABLES = ['FIRST_NAME', 'LAST_NAME', 'EMAIL', 'UNSUBSCRIBE_URL', 'contact', 'this'] as const;
export const MAX_TEMPLATE_VARIABLES = 50;

// `{{{NAME}}}` is a raw placeholder; a double-brace `{{NAME}}` is one too for a Handlebars-like engine (it would
// HTML-escape the value), so the fake treats both as placeholders: content that still holds either was not
// escaped by whoever built the template.
const PLACEHOLDER = /\{\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}\}|\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}/g;

export interface FakeTemplateVariable {
  key: string;
  type: 'string' | 'number';
  fallback_value: string | number | null;
}

export interface FakeTemplate {
  id: string;
  name: string;
  alias: string | null;
  subject: string | null;
  from: string | null;
  html: string;
  text: string | null;
  variables: FakeTemplateVariable[];
  status: 'draft' | 'published';
  created_at: string;
  updated_at: string;
  published_at: string | null;
}

/** A body cut at its placeholders once, at create: rendering a message is a join. */
interface Cut {
  parts: string[];
  keys: string[];
}

export interface TemplateAnswer {
  status: number;
  body: unknown;
}

export type Rendered = { html: string; text: string | undefined; subject: string | null; from: string | null } | { problem: string };

const variableSchema = z.object({
  key: z.string().min(1).max(100),
  type: z.enum(['string', 'number']),
  fallback_value: z.union([z.string(), z.number()]).nullable().optional(),
});

const createSchema = z.object({
  name: z.string().min(1),
  alias: z.string().min(1).max(256).optional(),
  subject: z.string().optional(),
  from: z.string().optional(),
  reply_to: z.union([z.string(), z.array(z.string())]).optional(),
  html: z.string().min(1),
  text: z.string().optional(),
  variables: z.array(variableSchema).optional(),
});

function cut(body: string): Cut {
  const parts: string[] = [];
  const keys: string[] = [];
  let last = 0;
  for (const m of body.matchAll(PLACEHOLDER)) {
    parts.push(body.slice(last, m.index));
    keys.push((m[1] ?? m[2])!);
    last = m.index! + m[0].length;
  }
  parts.push(body.slice(last));
  return { parts, keys };
}

function error(status: number, name: string, message: string): TemplateAnswer {
  return { status, body: { statusCode: status, name, message } };
}

export class FakeTemplates {
  private readonly byId = new Map<string, FakeTemplate & { cutHtml: Cut; cutText: Cut | null }>();
  /** When set, POST /templates is refused with this status (an account or plan without templates). */
  refuseWith: number | null = null;

  /** Stored templates, newest last. */
  list(): FakeTemplate[] {
    return [...this.byId.values()].map(({ cutHtml: _h, cutText: _t, ...t }) => t);
  }

  clear(): void {
    this.byId.clear();
    this.refuseWith = null;
  }

  private find(idOrAlias: string) {
    const hit = this.byId.get(idOrAlias);
    if (hit) return hit;
    for (const t of this.byId.values()) if (t.alias === idOrAlias) return t;
    return undefined;
  }

  /** Answers a request under /templates; `rest` is the path after it ('' or '/ID' or '/ID/publish'). */
  handle(method: string, rest: string, body: unknown): TemplateAnswer {
    const segments = rest.split('/').filter(Boolean).map(decodeURIComponent);
    if (segments.length === 0 && method === 'POST') return this.create(body);
    if (segments.length === 0 && method === 'GET') {
      return { status: 200, body: { object: 'list', has_more: false, data: this.list().map(({ id, name, alias, status, published_at, created_at, updated_at }) => ({ id, name, alias, status, published_at, created_at, updated_at })) } };
    }
    const template = segments[0] === undefined ? undefined : this.find(segments[0]);
    if (segments.length === 1 || (segments.length === 2 && segments[1] === 'publish')) {
      if (!template) return error(404, 'not_found', 'Template not found');
      if (segments.length === 2) {
        if (method !== 'POST') return error(405, 'method_not_allowed', `Method ${method} is not allowed here.`);
        template.status = 'published';
        template.published_at = template.updated_at = new Date().toISOString();
        return { status: 200, body: { object: 'template', id: template.id } };
      }
      if (method === 'GET') {
        const { cutHtml: _h, cutText: _t, ...shown } = template;
        return { status: 200, body: { object: 'template', ...shown, reply_to: null, current_version_id: shown.id, has_unpublished_versions: false } };
      }
      if (method === 'DELETE') {
        this.byId.delete(template.id);
        return { status: 200, body: { object: 'template', id: template.id, deleted: true } };
      }
      return error(405, 'method_not_allowed', `Method ${method} is not allowed here.`);
    }
    return error(404, 'not_found', 'The requested endpoint does not exist.');
  }

  private create(body: unknown): TemplateAnswer {
    if (this.refuseWith !== null) return error(this.refuseWith, this.refuseWith === 403 ? 'restricted_api_key' : 'validation_error', 'Templates are not available for this account.');
    const parsed = createSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.map(String).join('.') || 'body';
      return error(422, 'validation_error', `Invalid \`${field}\` field: ${issue.message}.`);
    }
    const input = parsed.data;
    const variables = input.variables ?? [];
    if (variables.length > MAX_TEMPLATE_VARIABLES) {
      return error(422, 'validation_error', `Too many variables: ${variables.length}, the maximum is ${MAX_TEMPLATE_VARIABLES}.`);
    }
    const declared = new Set<string>();
    for (const v of variables) {
      if ((RESERVED_VARIABLES as readonly string[]).includes(v.key)) return error(422, 'validation_error', `The variable key \`${v.key}\` is reserved.`);
      if (declared.has(v.key)) return error(422, 'validation_error', `The variable key \`${v.key}\` is declared twice.`);
      if (v.fallback_value !== undefined && v.fallback_value !== null && typeof v.fallback_value !== v.type) {
        return error(422, 'validation_error', `The fallback of \`${v.key}\` is not a ${v.type}.`);
      }
      declared.add(v.key);
    }
    // Four braces open a Handlebars raw block: a template engine would not read what follows as the author meant.
    if (/\{\{\{\{/.test(input.html) || /\{\{\{\{/.test(input.text ?? '')) {
      return error(422, 'validation_error', 'The template holds `{{{{`, which opens a raw block; escape literal braces.');
    }
    const cutHtml = cut(input.html);
    const cutText = input.text === undefined ? null : cut(input.text);
    for (const key of [...cutHtml.keys, ...(cutText?.keys ?? [])]) {
      if (!declared.has(key)) return error(422, 'validation_error', `The variable \`${key}\` is used in the template but not declared.`);
    }
    if (input.alias !== undefined && this.find(input.alias)) return error(409, 'validation_error', `A template with the alias \`${input.alias}\` already exists.`);
    const now = new Date().toISOString();
    const id = randomUUID();
    this.byId.set(id, {
      id,
      name: input.name,
      alias: input.alias ?? null,
      subject: input.subject ?? null,
      from: input.from ?? null,
      html: input.html,
      text: input.text ?? null,
      variables: variables.map((v) => ({ key: v.key, type: v.type, fallback_value: v.fallback_value ?? null })),
      status: 'draft',
      created_at: now,
      updated_at: now,
      published_at: null,
      cutHtml,
      cutText,
    });
    return { status: 201, body: { object: 'template', id } };
  }

  /**
   * The message a `template: {id, variables}` stands for, or the reason it is refused (422). `join` false
   * checks the variables without building the bodies (a benchmark fake keeps no bodies).
   */
  render(ref: { id: string; variables?: Record<string, string | number> | undefined }, join = true): Rendered {
    const template = this.byId.get(ref.id);
    if (!template) return { problem: `Template \`${ref.id}\` not found.` };
    if (template.status !== 'published') return { problem: `Template \`${ref.id}\` is not published.` };
    const given = ref.variables ?? {};
    const values = new Map<string, string>();
    for (const v of template.variables) {
      const value = given[v.key] ?? v.fallback_value;
      if (value === undefined || value === null) return { problem: `Missing variable \`${v.key}\` for template \`${ref.id}\`.` };
      values.set(v.key, String(value));
    }
    for (const key of Object.keys(given)) {
      if (!values.has(key)) return { problem: `Variable \`${key}\` is not declared by template \`${ref.id}\`.` };
    }
    if (!join) return { html: '', text: undefined, subject: template.subject, from: template.from };
    const fill = (c: Cut) => {
      let out = c.parts[0]!;
      for (let i = 0; i < c.keys.length; i++) out += values.get(c.keys[i]!)! + c.parts[i + 1]!;
      return out;
    };
    return { html: fill(template.cutHtml), text: template.cutText ? fill(template.cutText) : undefined, subject: template.subject, from: template.from };
  }
}
