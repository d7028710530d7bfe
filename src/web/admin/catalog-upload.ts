// /admin/catalog/import: a catalog file uploaded as multipart/form-data (a plain <input type=file>, no script
// needed), or its JSON pasted. Checked first (every problem with its record's path, or what it would change),
// then applied on a confirm step in one transaction, and only if it still changes what the editor was shown.
//
// The multipart body is read before the admin gate's preHandler, so that the gate's CSRF check finds the
// form's `_csrf` field in req.body as with any other form: a multipart post without a valid token is refused
// like every other admin post. Only signed-in callers get this far (the gate's onRequest hook).
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyMultipart, { type Multipart } from '@fastify/multipart';
import { createElement, type ReactElement } from 'react';
import type { App } from '../../app.js';
import { diffDigest } from '../../catalog/diff.js';
import { CatalogError, importCatalog, parseCatalogJson } from '../../catalog/import.js';
import { csrfToken } from './load.js';
import { UploadPage, type UploadState } from './upload-page.js';

type Page = (reply: FastifyReply, element: ReactElement, status?: number) => FastifyReply;

/** The largest catalog file (or pasted text) the admin takes: the sample catalog is 42 KB. */
export const UPLOAD_LIMIT_BYTES = 1024 * 1024;
const LIMIT_TEXT = '1 MiB';

interface UploadedFile {
  filename: string;
  bytes: Buffer;
  truncated: boolean;
}

/** The form once read: strings for fields, the one file under `file`, and which fields were cut at the limit. */
interface UploadBody {
  _csrf?: string;
  step?: string;
  catalog?: string;
  expect?: string;
  file_name?: string;
  file?: UploadedFile;
  cut: string[];
}

const FIELDS = ['_csrf', 'step', 'catalog', 'expect', 'file_name'] as const;

/** What a multipart limit means for the editor. */
const MULTIPART_PROBLEMS: Record<string, string> = {
  FST_FILES_LIMIT: 'file: send one catalog file at a time',
  FST_PARTS_LIMIT: 'file: the form has more parts than the upload form sends',
  FST_FIELDS_LIMIT: 'file: the form has more fields than the upload form sends',
  FST_REQ_FILE_TOO_LARGE: `file: larger than the ${LIMIT_TEXT} limit`,
  FST_PROTO_VIOLATION: 'file: a field of the form has a name that is not allowed',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'file: the form was not sent as multipart/form-data',
  FST_MP_PREMATURE_CLOSE: 'file: the upload was cut off before it was complete: try again',
  FST_ERR_CTP_BODY_TOO_LARGE: 'catalog: the form is larger than the server takes: upload the file instead of pasting it',
};

function formOf(fields: Record<string, Multipart | Multipart[] | undefined>): UploadBody {
  const body: UploadBody = { cut: [] };
  for (const [name, value] of Object.entries(fields)) {
    const part = Array.isArray(value) ? value[0] : value;
    if (!part) continue;
    if (part.type === 'file') {
      // Read by the plugin (attachFieldsToBody); past the limit it stops reading and marks the file truncated.
      const buf = (part as unknown as { _buf: Buffer | null })._buf;
      if (name === 'file') body.file = { filename: part.filename ?? '', bytes: buf ?? Buffer.alloc(0), truncated: part.file.truncated };
    } else if ((FIELDS as readonly string[]).includes(name) && typeof part.value === 'string') {
      body[name as (typeof FIELDS)[number]] = part.value;
      if (part.valueTruncated) body.cut.push(name);
    }
  }
  return body;
}

/** The JSON text to check, and the name it is shown under; or the problems that stop it being read. */
function sourceOf(body: UploadBody): { text: string; name: string | null; problems: string[] } {
  const pasted = typeof body.catalog === 'string' ? body.catalog : '';
  const file = body.file && (body.file.filename !== '' || body.file.bytes.length > 0) ? body.file : undefined;
  if (file && pasted.trim() !== '') return { text: '', name: null, problems: ['file: choose a file or paste the JSON, not both'] };
  if (body.cut.includes('catalog')) return { text: '', name: null, problems: [`catalog: the JSON is larger than the ${LIMIT_TEXT} limit`] };
  if (!file) {
    const name = body.file_name?.slice(0, 200) || null;
    if (pasted.trim() === '') return { text: '', name, problems: ['file: choose a catalog file (.json) first, or paste its JSON'] };
    return { text: pasted, name, problems: [] };
  }
  const name = file.filename.slice(0, 200) || 'the file';
  if (file.truncated) return { text: '', name, problems: [`file: ${name} is larger than the ${LIMIT_TEXT} limit: split it, or import it with "verdicts catalog import FILE.json"`] };
  if (file.bytes.length === 0) return { text: '', name, problems: [`file: ${name} is empty`] };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(file.bytes);
  } catch {
    return { text: '', name, problems: [`file: ${name} is not UTF-8 text (a catalog file is JSON)`] };
  }
  if (text.trim() === '') return { text: '', name, problems: [`file: ${name} holds only white space`] };
  return { text, name, problems: [] };
}

export async function uploadRoutes(
  admin: FastifyInstance,
  app: App,
  page: Page,
  actor: (req: FastifyRequest) => string,
  /** After a file was applied: re-plans weeks not yet approved that feature a tool the file retired. */
  afterApply: (req: FastifyRequest) => Promise<unknown>,
): Promise<void> {
  const show = (reply: FastifyReply, s: UploadState, status = 200) => page(reply, createElement(UploadPage, { csrf: csrfToken(reply), s, limit: LIMIT_TEXT }), status);

  admin.get('/catalog/import', (_req, reply) => show(reply, { text: '' }));

  // Its own scope: only this route takes multipart bodies.
  await admin.register(async (scope) => {
    await scope.register(fastifyMultipart, {
      attachFieldsToBody: true,
      throwFileSizeLimit: false,
      limits: { fileSize: UPLOAD_LIMIT_BYTES, fieldSize: UPLOAD_LIMIT_BYTES, files: 1, fields: FIELDS.length, parts: FIELDS.length + 1, fieldNameSize: 100, headerPairs: 20 },
    });
    // After the plugin's own preValidation hook: its part objects become the plain form the gate and the route read.
    scope.addHook('preValidation', async (req) => {
      if (req.isMultipart()) req.body = formOf((req.body ?? {}) as Record<string, Multipart | Multipart[] | undefined>);
    });
    // A multipart limit hit while reading: the upload page with the reason, nothing applied.
    scope.setErrorHandler((err: FastifyError, _req, reply) => {
      const problem = MULTIPART_PROBLEMS[err.code];
      if (!problem) throw err;
      return show(reply, { text: '', problems: [problem] }, err.statusCode ?? 400);
    });

    scope.post('/catalog/import', async (req, reply) => {
      const raw = (req.body ?? {}) as Partial<UploadBody>;
      const body: UploadBody = { ...raw, cut: raw.cut ?? [], file: raw.file };
      const apply = body.step === 'apply';
      const { text, name, problems } = sourceOf(body);
      const refuse = (list: string[]) => show(reply, { text: body.file ? '' : text, fileName: name, problems: list }, 422);
      if (problems.length > 0) return refuse(problems);
      try {
        const input = parseCatalogJson(text);
        const r = await importCatalog(app.db, input, { dryRun: !apply, actor: `${actor(req)} (upload)`, expectDigest: apply && body.expect ? body.expect : undefined });
        if (apply) {
          await afterApply(req);
          return reply.redirect('/admin/catalog?done=imported', 303);
        }
        return show(reply, { text, fileName: name, diff: r.diff, digest: diffDigest(r.diff), pasted: !body.file });
      } catch (err) {
        if (err instanceof CatalogError) return refuse(err.problems.map((p) => (p.startsWith('not valid JSON') ? `${name ?? 'catalog'}: ${p}` : p)));
        throw err;
      }
    });
  });
}
