// /admin/catalog: the tools by category with their figures, the runway, and the reviewer panel.
import type { PanelAuditRow } from '../../catalog/audit.js';
import type { Runway } from '../../catalog/runway.js';
import { communityText, missingReviews, panelPct, type CatalogRow, type PanelMember } from '../../catalog/listing.js';
import { MIN_PANEL_REVIEWS } from '../../catalog/planner.js';
import { Field, FormError, type FormState } from './catalog-form.js';
import { Flash, Layout, PostForm, When } from './layout.js';
import { Table, type Column } from './table.js';
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

const TOOL_COLUMNS: Array<Column<CatalogRow>> = [
  {
    head: 'Tool',
    cell: (t) => (
      <>
        <a href={`/admin/catalog/tools/${t.slug}`}>{t.name}</a> {t.retired_at ? <span className="badge cancelled">retired</span> : null}
        <div className="muted">{t.tagline}</div>
      </>
    ),
  },
  {
    head: 'Reviews',
    num: true,
    cell: (t) => (
      <>
        {t.reviews}
        {missingReviews(t) > 0 ? <div className="warn-text">{`needs ${missingReviews(t)} more`}</div> : null}
      </>
    ),
  },
  { head: 'Panel ship', num: true, cell: panelPct },
  { head: 'Community ship', cell: communityText },
  { head: 'Featured', num: true, cell: (t) => t.times_featured },
  { head: 'Last featured', cell: (t) => (t.last_featured ? <a href={`/admin/issues/${t.last_featured}`}>{t.last_featured}</a> : <span className="muted">never</span>) },
];

function ToolTable({ rows }: { rows: CatalogRow[] }) {
  return <Table columns={TOOL_COLUMNS} rows={rows} rowKey={(t) => t.slug} rowClass={(t) => (t.retired_at ? 'retired' : undefined)} reflow scroll />;
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

/** The panel, each reviewer with their own form (the one refused last keeps what was typed). */
function reviewerColumns(editing: { slug: string; form: FormState } | undefined): Array<Column<PanelMember>> {
  return [
    {
      head: 'Reviewer',
      cell: (p) => (
        <>
          <b>{p.name}</b> <span className="muted">{p.slug}</span>{' '}
          {p.retired_at ? (
            <span className="badge cancelled">
              retired <When at={p.retired_at} />
            </span>
          ) : null}
        </>
      ),
    },
    { head: 'Role', cell: (p) => p.role },
    {
      head: 'Change',
      cell: (p) => {
        const form = editing?.slug === p.slug ? editing.form : { values: { name: p.name, role: p.role }, errors: {} };
        return (
          <>
            <PostForm action={`/admin/catalog/reviewers/${p.slug}`} className="stack" label={`Change ${p.name}`}>
              <FormError form={form} />
              <Field form={form} name="name" id={`name-${p.slug}`} label="Name" />
              <Field form={form} name="role" id={`role-${p.slug}`} label="Role" />
              <button type="submit">Save</button>
            </PostForm>
            <PostForm action={`/admin/catalog/reviewers/${p.slug}/retire`} className="inline" label={`${p.retired_at ? 'Bring back' : 'Retire'} ${p.name}`}>
              <input type="hidden" name="retired" value={p.retired_at ? '0' : '1'} />
              <button type="submit" className={p.retired_at ? 'small' : 'small danger'}>
                {p.retired_at ? 'Bring back' : 'Retire'}
              </button>
            </PostForm>
          </>
        );
      },
    },
  ];
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
        <Table columns={reviewerColumns(props.editing)} rows={props.panel} rowKey={(p) => p.slug} rowClass={(p) => (p.retired_at ? 'retired' : undefined)} reflow scroll />
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
