// /admin/catalog: the tools by category with their figures, the runway, and the reviewer panel.
import type { PanelAuditRow } from '../../catalog/audit.js';
import type { Runway } from '../../catalog/runway.js';
import { communityText, missingReviews, panelPct, type CatalogRow, type PanelMember } from '../../catalog/listing.js';
import { MIN_PANEL_REVIEWS } from '../../catalog/planner.js';
import { Field, FormError, type FormState } from './catalog-form.js';
import { Flash, Layout, PostForm, When } from './layout.js';
import { describeDetail } from './tool-page.js';

export interface Notice {
  kind: 'ok' | 'error';
  title: string;
}

function RunwayCard({ runway }: { runway: Runway }) {
  return (
    <section className="card" aria-labelledby="runway-h">
      <h2 id="runway-h">Runway</h2>
      <p>
        <b className="big">{runway.weeks}</b> more weekly issue{runway.weeks === 1 ? '' : 's'} can be filled ({runway.pairs_left} pair
        {runway.pairs_left === 1 ? '' : 's'} never featured). <a href="/admin/calendar">See the next weeks</a>.
      </p>
      {runway.ineligible.length ? (
        <p className="muted">
          {`Not yet paired (a tool needs ${MIN_PANEL_REVIEWS} reviews): `}
          {runway.ineligible.map((t, i) => (
            <span key={t.slug}>
              {i ? ', ' : ''}
              <a href={`/admin/catalog/tools/${t.slug}`}>{t.slug}</a>
              {` needs ${t.missing_reviews}`}
            </span>
          ))}
        </p>
      ) : null}
    </section>
  );
}

function ToolTable({ rows }: { rows: CatalogRow[] }) {
  return (
    <div className="table-scroll">
      <table className="reflow">
        <thead>
          <tr>
            <th>Tool</th>
            <th className="num">Reviews</th>
            <th className="num">Panel ship</th>
            <th>Community ship</th>
            <th className="num">Featured</th>
            <th>Last featured</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((t) => (
            <tr key={t.slug} className={t.retired_at ? 'retired' : undefined}>
              <td data-label="Tool">
                <a href={`/admin/catalog/tools/${t.slug}`}>{t.name}</a> {t.retired_at ? <span className="badge cancelled">retired</span> : null}
                <div className="muted">{t.tagline}</div>
              </td>
              <td data-label="Reviews" className="num">
                {t.reviews}
                {missingReviews(t) > 0 ? <div className="warn-text">{`needs ${missingReviews(t)} more`}</div> : null}
              </td>
              <td data-label="Panel ship" className="num">
                {panelPct(t)}
              </td>
              <td data-label="Community ship">{communityText(t)}</td>
              <td data-label="Featured" className="num">
                {t.times_featured}
              </td>
              <td data-label="Last featured">{t.last_featured ? <a href={`/admin/issues/${t.last_featured}`}>{t.last_featured}</a> : <span className="muted">never</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function CatalogPage(props: { csrf: string; rows: CatalogRow[]; categories: string[]; filter: { category: string; q: string }; runway: Runway; flash?: Notice }) {
  const byCategory = new Map<string, CatalogRow[]>();
  for (const r of props.rows) byCategory.set(r.category, [...(byCategory.get(r.category) ?? []), r]);
  return (
    <Layout title="Catalog" section="catalog" csrf={props.csrf}>
      <h1>Catalog</h1>
      <p className="sub">
        <a href="/admin/catalog/tools/new">Add a tool</a> · <a href="/admin/catalog/reviewers">Reviewer panel</a> · <a href="/admin/catalog/export.json">Download the catalog (JSON)</a> ·{' '}
        <a href="/admin/catalog/import">Upload a catalog file</a>
      </p>
      {props.flash ? <Flash {...props.flash} /> : null}
      <RunwayCard runway={props.runway} />
      <section className="card">
        <form method="get" action="/admin/catalog" className="filters" role="search" aria-label="Filter tools">
          <label htmlFor="filter-category">Category</label>
          <select id="filter-category" name="category" defaultValue={props.filter.category}>
            <option value="">All categories</option>
            {props.categories.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
          <label htmlFor="filter-q">Name</label>
          <input id="filter-q" type="search" name="q" defaultValue={props.filter.q} placeholder="Search by name" />
          <button type="submit">Filter</button>
        </form>
      </section>
      {props.rows.length === 0 ? (
        <section className="card">
          <p className="muted">No tool matches. <a href="/admin/catalog">Show all tools</a>.</p>
        </section>
      ) : null}
      {[...byCategory].map(([category, rows]) => (
        <section className="card" key={category} aria-label={category}>
          <h2>{`${category} · ${rows.filter((r) => !r.retired_at).length} tool${rows.length === 1 ? '' : 's'}`}</h2>
          <ToolTable rows={rows} />
        </section>
      ))}
    </Layout>
  );
}

export function ReviewersPage(props: { csrf: string; panel: PanelMember[]; audit: PanelAuditRow[]; form: FormState; editing?: { slug: string; form: FormState }; flash?: Notice }) {
  return (
    <Layout title="Reviewer panel" section="catalog" csrf={props.csrf}>
      <p className="crumbs">
        <a href="/admin/catalog">← Catalog</a>
      </p>
      <h1>Reviewer panel</h1>
      {props.flash ? <Flash {...props.flash} /> : null}
      <section className="card">
        <div className="table-scroll">
          <table className="reflow">
            <thead>
              <tr>
                <th>Reviewer</th>
                <th>Role</th>
                <th>Change</th>
              </tr>
            </thead>
            <tbody>
              {props.panel.map((p) => {
                const editing = props.editing?.slug === p.slug ? props.editing.form : { values: { name: p.name, role: p.role }, errors: {} };
                return (
                  <tr key={p.slug} className={p.retired_at ? 'retired' : undefined}>
                    <td data-label="Reviewer">
                      <b>{p.name}</b> <span className="muted">{p.slug}</span>{' '}
                      {p.retired_at ? (
                        <span className="badge cancelled">
                          retired <When at={p.retired_at} />
                        </span>
                      ) : null}
                    </td>
                    <td data-label="Role">{p.role}</td>
                    <td data-label="Change">
                      <PostForm action={`/admin/catalog/reviewers/${p.slug}`} className="stack" label={`Change ${p.name}`}>
                        <FormError form={editing} />
                        <Field form={editing} name="name" id={`name-${p.slug}`} label="Name" />
                        <Field form={editing} name="role" id={`role-${p.slug}`} label="Role" />
                        <button type="submit">Save</button>
                      </PostForm>
                      <PostForm action={`/admin/catalog/reviewers/${p.slug}/retire`} className="inline" label={`${p.retired_at ? 'Bring back' : 'Retire'} ${p.name}`}>
                        <input type="hidden" name="retired" value={p.retired_at ? '0' : '1'} />
                        <button type="submit" className={p.retired_at ? 'small' : 'small danger'}>
                          {p.retired_at ? 'Bring back' : 'Retire'}
                        </button>
                      </PostForm>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </section>
      <section className="card" aria-labelledby="add-reviewer">
        <h2 id="add-reviewer">Add a reviewer</h2>
        <PostForm action="/admin/catalog/reviewers" className="stack" label="Add a reviewer">
          <FormError form={props.form} />
          <Field form={props.form} name="slug" label="Slug" hint='Lower-case letters, digits and dashes, e.g. "ada-lovelace". Cannot be changed later.' required />
          <Field form={props.form} name="name" label="Name" required />
          <Field form={props.form} name="role" label="Role" hint='Shown under their quotes, e.g. "Staff engineer, fintech".' required />
          <button type="submit" className="primary">
            Add reviewer
          </button>
        </PostForm>
      </section>
      <section className="card" aria-labelledby="panel-audit-h">
        <h2 id="panel-audit-h">Changes to the panel</h2>
        {props.audit.length === 0 ? (
          <p className="muted">No changes recorded.</p>
        ) : (
          <ul className="audit">
            {props.audit.map((a) => (
              <li key={a.id}>
                <When at={a.created_at} /> · <b>{a.actor}</b> · {a.action}: {a.reviewer_name} <span className="muted">{a.reviewer}</span>
                {Object.keys(a.detail).length ? <div className="muted detail">{describeDetail(a.detail)}</div> : null}
              </li>
            ))}
          </ul>
        )}
        <p className="muted">A reviewer’s reviews, and their changes, are on each tool’s page.</p>
      </section>
    </Layout>
  );
}
