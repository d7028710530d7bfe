// /admin/catalog/import: pick a catalog file (or paste its JSON), see every problem or what it would change,
// then apply. Works without JavaScript: a plain file input in a multipart form, the confirm step a second form.
import type { CatalogDiff } from '../../catalog/diff.js';
import { describeDiff, isEmptyDiff } from '../../catalog/diff.js';
import { Flash, Layout, PostForm } from './layout.js';

export interface UploadState {
  /** The JSON checked (carried to the confirm step), or the pasted text kept after a refusal. */
  text: string;
  /** The uploaded file's name, when there was one. */
  fileName?: string | null;
  problems?: string[];
  diff?: CatalogDiff;
  /** diffDigest of `diff`: applied only if the file still changes exactly this. */
  digest?: string;
  /** The JSON was pasted rather than uploaded. */
  pasted?: boolean;
}

const MULTIPART = 'multipart/form-data';

export function UploadPage({ csrf, s, limit }: { csrf: string; s: UploadState; limit: string }) {
  const what = s.fileName ? s.fileName : 'the pasted JSON';
  return (
    <Layout title="Upload a catalog" section="catalog" csrf={csrf}>
      <p className="crumbs">
        <a href="/admin/catalog">← Catalog</a>
      </p>
      <h1>Upload a catalog file</h1>
      <p className="sub">
        The import format (the README’s “The catalog file”; <a href="/admin/catalog/export.json">download the current catalog</a> for an example). Records are
        upserted by slug; reviews may name tools and reviewers already in the catalog. Nothing is applied before you have seen what changes.
      </p>
      {s.problems ? <Flash kind="error" title={`Not applied: ${s.problems.length} problem${s.problems.length === 1 ? '' : 's'} in ${what}.`} items={s.problems} /> : null}
      {s.diff ? (
        <section className="card" aria-labelledby="diff-h">
          <h2 id="diff-h">{`What ${what} changes`}</h2>
          <ul className="diff">
            {describeDiff(s.diff).map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
          {isEmptyDiff(s.diff) ? (
            <p className="muted">Nothing: the catalog already holds this file.</p>
          ) : (
            <PostForm action="/admin/catalog/import" label="Apply the file" encType={MULTIPART}>
              <input type="hidden" name="step" value="apply" />
              <input type="hidden" name="expect" value={s.digest ?? ''} />
              {s.fileName ? <input type="hidden" name="file_name" value={s.fileName} /> : null}
              <textarea name="catalog" hidden readOnly defaultValue={s.text} />
              <p className="muted">All of it is applied in one go, or nothing if the catalog changed meanwhile.</p>
              <button type="submit" className="primary">
                Apply these changes
              </button>{' '}
              <a href="/admin/catalog/import" style={{ marginLeft: 12 }}>
                Cancel
              </a>
            </PostForm>
          )}
        </section>
      ) : null}
      <section className="card" aria-labelledby="file-h">
        <h2 id="file-h">Check a file</h2>
        <PostForm action="/admin/catalog/import" className="stack" label="Check a catalog file" encType={MULTIPART}>
          <input type="hidden" name="step" value="check" />
          <div className="field">
            <label htmlFor="catalog-file">Catalog file</label>
            <input id="catalog-file" type="file" name="file" accept="application/json,.json" required aria-describedby="catalog-file-hint" />
            <small id="catalog-file-hint" className="muted">{`JSON, at most ${limit}.`}</small>
          </div>
          <button type="submit">Check the file</button>
        </PostForm>
        <details open={s.pasted === true && !s.diff ? true : undefined}>
          <summary>Or paste the JSON</summary>
          <PostForm action="/admin/catalog/import" className="stack" label="Check pasted catalog JSON" encType={MULTIPART}>
            <input type="hidden" name="step" value="check" />
            <div className="field">
              <label htmlFor="catalog-json">Catalog JSON</label>
              <textarea id="catalog-json" name="catalog" rows={12} defaultValue={s.pasted || !s.fileName ? s.text : ''} spellCheck={false} />
            </div>
            <button type="submit">Check the pasted JSON</button>
          </PostForm>
        </details>
      </section>
    </Layout>
  );
}
