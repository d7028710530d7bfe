// /admin/catalog/import: paste or pick a catalog file, see every problem or what it would change, then apply.
import type { CatalogDiff } from '../../catalog/diff.js';
import { describeDiff, isEmptyDiff } from '../../catalog/diff.js';
import { Flash, Layout, PostForm } from './layout.js';

export interface UploadState {
  text: string;
  problems?: string[];
  diff?: CatalogDiff;
}

export function UploadPage({ csrf, s }: { csrf: string; s: UploadState }) {
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
      {s.problems ? <Flash kind="error" title={`Not applied: ${s.problems.length} problem${s.problems.length === 1 ? '' : 's'} in the file.`} items={s.problems} /> : null}
      {s.diff ? (
        <section className="card" aria-labelledby="diff-h">
          <h2 id="diff-h">What this file changes</h2>
          <ul className="diff">
            {describeDiff(s.diff).map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
          {isEmptyDiff(s.diff) ? (
            <p className="muted">Nothing: the catalog already holds this file.</p>
          ) : (
            <PostForm action="/admin/catalog/import" label="Apply the file">
              <input type="hidden" name="step" value="apply" />
              <textarea name="catalog" hidden readOnly defaultValue={s.text} />
              <button type="submit" className="primary">
                Apply these changes
              </button>
            </PostForm>
          )}
        </section>
      ) : null}
      <section className="card">
        <PostForm action="/admin/catalog/import" className="stack" label="Check a catalog file">
          <input type="hidden" name="step" value="check" />
          <div className="field">
            <label htmlFor="catalog-json">Catalog JSON</label>
            <textarea id="catalog-json" name="catalog" rows={14} defaultValue={s.text} spellCheck={false} />
          </div>
          <button type="submit">Check the file</button>
        </PostForm>
      </section>
    </Layout>
  );
}
