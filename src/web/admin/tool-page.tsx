// One tool in the admin: its fields (the import format's), its reviews (one per reviewer), retirement, and
// the audit trail of every change. /admin/catalog/tools/new is the same form, empty.
import type { AuditRow } from '../../catalog/audit.js';
import type { RetiredInPlan } from '../../issues/retired-tools.js';
import { communityText, missingReviews, panelPct, type CatalogRow, type PanelMember, type ToolReview } from '../../catalog/listing.js';
import { MIN_PANEL_REVIEWS } from '../../catalog/planner.js';
import { Field, FormError, Select, type FormState } from './catalog-form.js';
import type { Notice } from './catalog-pages.js';
import { Flash, Layout, PostForm, When } from './layout.js';
import { Table, type Column } from './table.js';

export interface ToolPageData {
  tool: CatalogRow | null;
  form: FormState;
  reviewForm: FormState;
  reviews: ToolReview[];
  panel: PanelMember[];
  audit: AuditRow[];
  /** Weeks not sent yet that still feature this (retired) tool. */
  inPlan: RetiredInPlan[];
  flash?: Notice;
}

function ToolFields({ form, isNew }: { form: FormState; isNew: boolean }) {
  return (
    <>
      {isNew ? <Field form={form} name="slug" label="Slug" hint='Lower-case letters, digits and dashes, e.g. "claw-code". Cannot be changed later.' required /> : null}
      <Field form={form} name="name" label="Name" required />
      <Field form={form} name="category" label="Category" hint="Tools are only ever paired within their category." required />
      <Field form={form} name="tagline" label="Tagline" hint="One line, up to 160 characters." required />
      <Field form={form} name="description" label="Description" multiline rows={4} required />
      <Field form={form} name="pricing" label="Pricing" hint="As on the card: Free, Paid, Freemium, Open source…" required />
      <Field form={form} name="url" label="Website" type="url" hint="An http(s) address; leave empty for none." />
    </>
  );
}

function reviewColumns(tool: CatalogRow): Array<Column<ToolReview>> {
  return [
    {
      head: 'Reviewer',
      cell: (r) => (
        <>
          <a href={`/admin/catalog/tools/${tool.slug}?reviewer=${r.reviewer}#review-form`}>{r.reviewer_name}</a>
          <div className="muted">{r.reviewer_role}</div>
        </>
      ),
    },
    { head: 'Verdict', cell: (r) => <span className={`badge ${r.verdict === 'ship' ? 'approved' : 'cancelled'}`}>{r.verdict}</span> },
    { head: 'Quote', cell: (r) => r.quote },
  ];
}

function Reviews({ d, tool }: { d: ToolPageData; tool: CatalogRow }) {
  const missing = missingReviews(tool);
  const reviewed = new Set(d.reviews.map((r) => r.reviewer));
  const options = d.panel.filter((p) => !p.retired_at || reviewed.has(p.slug)).map((p) => ({ value: p.slug, label: `${p.name}${reviewed.has(p.slug) ? ' (change their review)' : ''}` }));
  return (
    <section className="card" aria-labelledby="reviews-h">
      <h2 id="reviews-h">{`Reviews · ${tool.reviews} of ${d.panel.filter((p) => !p.retired_at).length} reviewers`}</h2>
      <p className={missing > 0 ? 'warn-text' : 'muted'} id="eligibility">
        {missing > 0
          ? `Needs ${missing} more review${missing === 1 ? '' : 's'} before the planner pairs it (at least ${MIN_PANEL_REVIEWS}).`
          : `Eligible: ${tool.reviews} reviews, panel ${panelPct(tool)} ship.`}
      </p>
      {d.reviews.length ? <Table columns={reviewColumns(tool)} rows={d.reviews} rowKey={(r) => r.reviewer} reflow scroll /> : null}
      <h3 id="review-form" className="spaced">Add or change a review</h3>
      <PostForm action={`/admin/catalog/tools/${tool.slug}/reviews`} className="stack" label="Add or change a review">
        <FormError form={d.reviewForm} />
        <Select form={d.reviewForm} name="reviewer" id="r-reviewer" label="Reviewer" options={options} />
        <Select form={d.reviewForm} name="verdict" id="r-verdict" label="Verdict" options={[{ value: 'ship', label: 'Ship' }, { value: 'skip', label: 'Skip' }]} />
        <Field form={d.reviewForm} name="quote" id="r-quote" label="Quote" multiline rows={3} hint="Up to 1,200 characters, shown in the issue's scorecard." />
        <button type="submit" className="primary">
          Save review
        </button>
      </PostForm>
    </section>
  );
}

function Audit({ rows }: { rows: AuditRow[] }) {
  return (
    <section className="card" aria-labelledby="audit-h">
      <h2 id="audit-h">Changes</h2>
      {rows.length === 0 ? (
        <p className="muted">No changes recorded.</p>
      ) : (
        <ul className="audit">
          {rows.map((a) => (
            <li key={a.id}>
              <When at={a.created_at} /> · <b>{a.actor}</b> · {a.action}
              {Object.keys(a.detail).length ? <div className="muted detail">{describeDetail(a.detail)}</div> : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** {"tagline": ["old", "new"]} → "tagline: “old” → “new”". */
export function describeDetail(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .map(([k, v]) => (Array.isArray(v) && v.length === 2 ? `${k}: “${String(v[0] ?? '')}” → “${String(v[1] ?? '')}”` : `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`))
    .join(' · ');
}

/** A retired tool still planned into weeks not sent yet: approved or held ones wait for an editor. */
function RetiredWarning({ tool, rows }: { tool: string; rows: RetiredInPlan[] }) {
  return (
    <div className="flash error" role="alert" id="retired-in-plan">
      <b>{`${tool} is retired but still planned:`}</b>
      <ul>
        {rows.map((r) => (
          <li key={`${r.week}-${r.pair}`}>
            <a href={`/admin/issues/${r.week}`}>{r.week}</a>
            {` (${r.state}): ${r.pair}. `}
            {r.state === 'approved' ? 'It was approved with this pair and goes out as approved unless you re-plan or cancel the week.' : r.state === 'held' ? 'The week is held: re-plan it before you approve it.' : 'The planner found no pair to replace it: re-plan or cancel the week.'}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function ToolPage({ d, csrf }: { d: ToolPageData; csrf: string }) {
  const tool = d.tool;
  return (
    <Layout title={tool ? tool.name : 'New tool'} section="catalog" csrf={csrf}>
      <p className="crumbs">
        <a href="/admin/catalog">← Catalog</a>
      </p>
      <h1>
        {tool ? tool.name : 'Add a tool'} {tool?.retired_at ? <span className="badge cancelled">retired</span> : null}
      </h1>
      {tool ? (
        <p className="sub">
          {`${tool.slug} · ${tool.category} · panel ${panelPct(tool)} ship · community ${communityText(tool)} · featured ${tool.times_featured}×`}
          {tool.last_featured ? `, last in ${tool.last_featured}` : ''}
        </p>
      ) : null}
      {d.flash ? <Flash {...d.flash} /> : null}
      {tool && d.inPlan.length ? <RetiredWarning tool={tool.name} rows={d.inPlan} /> : null}
      <div className="grid">
        <div>
          <section className="card" aria-labelledby="tool-h">
            <h2 id="tool-h">{tool ? 'Details' : 'The tool'}</h2>
            <PostForm action={tool ? `/admin/catalog/tools/${tool.slug}` : '/admin/catalog/tools'} className="stack" label={tool ? 'Tool details' : 'Add a tool'}>
              <FormError form={d.form} />
              <ToolFields form={d.form} isNew={!tool} />
              <button type="submit" className="primary">
                {tool ? 'Save changes' : 'Add tool'}
              </button>
            </PostForm>
          </section>
          {tool ? <Reviews d={d} tool={tool} /> : null}
        </div>
        {tool ? (
          <div>
            <section className="card" aria-labelledby="retire-h">
              <h2 id="retire-h">{tool.retired_at ? 'Retired' : 'Retire'}</h2>
              <p className="muted">
                {tool.retired_at ? 'Never planned again; sent issues and the archive keep it.' : 'A retired tool is never planned again. Sent issues and the archive keep it.'}
              </p>
              <PostForm action={`/admin/catalog/tools/${tool.slug}/retire`} label={tool.retired_at ? 'Bring the tool back' : 'Retire the tool'}>
                <input type="hidden" name="retired" value={tool.retired_at ? '0' : '1'} />
                <button type="submit" className={tool.retired_at ? undefined : 'danger'}>
                  {tool.retired_at ? 'Bring back into the catalog' : 'Retire this tool'}
                </button>
              </PostForm>
            </section>
            <Audit rows={d.audit} />
          </div>
        ) : null}
      </div>
    </Layout>
  );
}
