// The issue page's reference sections: the quality gate's checks, the pairs with the planner's reasons
// (and the re-plan forms), and the list of links in the email.
import type { ToolWithPanel } from '../../catalog/types.js';
import { EDITABLE_STATES } from '../../issues/lifecycle.js';
import type { EmailReport, QualityCheck } from '../../issues/quality.js';
import type { IssuePageData } from './issue-page.js';
import { kb, PostForm } from './layout.js';
import { Table, type Column } from './table.js';


const CHECKS: Array<[QualityCheck[], string]> = [
  [['size'], 'HTML under Gmail’s 102 KB clipping limit'],
  [['text'], 'Plain-text part present'],
  [['lang'], 'Language set on <html>'],
  [['img-alt', 'img-src'], 'Every image has alt text and an absolute src'],
  [['links'], 'Every link is under PUBLIC_URL or a tool’s own link'],
  [['placeholders'], 'No placeholder left after personalising'],
  [['subject', 'leftovers'], 'Subject set, no missing values shown'],
  [['stray-text', 'title', 'width'], 'As a client parses it: one title, nothing above the masthead, fits a 375 px phone'],
];

const figure = (t: ToolWithPanel) => (t.panel.shipPct === null ? 'no reviews' : `${t.panel.shipPct}% ship (${t.panel.ships} of ${t.panel.reviews})`);

export function Quality({ report }: { report: EmailReport | null }) {
  if (!report) return null;
  const over = report.htmlBytes >= report.limitBytes;
  const share = Math.min(100, Math.round((100 * report.htmlBytes) / report.limitBytes));
  return (
    <section className="card" aria-labelledby="quality-h">
      <h2 id="quality-h">Quality gate</h2>
      <p>
        HTML <b>{kb(report.htmlBytes)}</b> of Gmail’s {kb(report.limitBytes)} ({share}%) · text {kb(report.textBytes)}
      </p>
      <div className={`bar${over ? ' over' : ''}`} role="meter" aria-valuemin={0} aria-valuemax={report.limitBytes} aria-valuenow={report.htmlBytes} aria-label="HTML size against the clipping limit">
        <span style={{ width: `${share}%` }}></span>
      </div>
      <ul className="checks">
        {CHECKS.map(([keys, label]) => {
          const fails = report.failures.filter((f) => keys.includes(f.check));
          return (
            <li key={label}>
              {fails.length ? <span className="bad">✗</span> : <span className="ok">✓</span>} {label}
              {fails.length ? (
                <ul>
                  {fails.map((f) => (
                    <li key={f.message}>{f.message}</li>
                  ))}
                </ul>
              ) : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

export function Pairs({ d }: { d: IssuePageData }) {
  const week = d.issue.week;
  const editable = EDITABLE_STATES.includes(d.issue.state);
  const byCategory = new Map<string, ToolWithPanel[]>();
  for (const t of d.tools) byCategory.set(t.category, [...(byCategory.get(t.category) ?? []), t]);
  const toolSelect = (name: string, label: string) => (
    <label>
      {label}{' '}
      <select name={name} required defaultValue="">
        <option value="" disabled>
          choose a tool
        </option>
        {[...byCategory].map(([cat, tools]) => (
          <optgroup key={cat} label={cat}>
            {tools.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
    </label>
  );
  return (
    <section className="card" aria-labelledby="pairs-h">
      <h2 id="pairs-h">Pairs and the planner’s reasons</h2>
      {d.pairs.length === 0 ? <p className="muted">No pairs planned.</p> : null}
      {d.pairs.map((p) => (
        <div className="pair" key={p.position}>
          <div>
            <h3>
              {p.position}. {p.category}: {p.a.name} vs {p.b.name} {p.pinned ? <span className="badge tool">pinned</span> : null}
            </h3>
            <div className="muted">
              Panel: {p.a.name} {figure(p.a)} · {p.b.name} {figure(p.b)}
            </div>
            <ul>
              {p.reasons.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          </div>
          {editable ? (
            <div className="buttons">
              <PostForm action={`/admin/issues/${week}/replan`} label={`Exclude ${p.a.name} vs ${p.b.name}`}>
                <input type="hidden" name="mode" value="exclude" />
                <input type="hidden" name="a" value={p.a.id} />
                <input type="hidden" name="b" value={p.b.id} />
                <button type="submit" className="small">
                  Exclude and re-plan
                </button>
              </PostForm>
              {!p.pinned ? (
                <PostForm action={`/admin/issues/${week}/replan`} label={`Pin ${p.a.name} vs ${p.b.name}`}>
                  <input type="hidden" name="mode" value="pin" />
                  <input type="hidden" name="a" value={p.a.id} />
                  <input type="hidden" name="b" value={p.b.id} />
                  <button type="submit" className="small">
                    Pin
                  </button>
                </PostForm>
              ) : null}
            </div>
          ) : null}
        </div>
      ))}
      {d.exclusions.length ? (
        <p className="muted">
          Excluded from this issue: {d.exclusions.map(([a, b]) => `${a?.name ?? '?'} vs ${b?.name ?? '?'}`).join(', ')}.
        </p>
      ) : null}
      {editable ? (
        <>
          <PostForm action={`/admin/issues/${week}/replan`} label="Pin a pair">
            <input type="hidden" name="mode" value="pin" />
            <h3>Pin a pair</h3>
            <div className="row" style={{ display: 'flex', gap: 8, flexWrap: 'wrap', alignItems: 'center' }}>
              {toolSelect('a', 'Tool')} {toolSelect('b', 'vs')}
              <button type="submit">Pin and re-plan</button>
            </div>
            <small className="muted">Both tools must be in the same category; the planner fills the other slots.</small>
          </PostForm>
          <p />
          <PostForm action={`/admin/issues/${week}/replan`} label="Re-plan from scratch">
            <input type="hidden" name="mode" value="fresh" />
            <button type="submit">Re-plan from scratch</button> <small className="muted">forgets pins and exclusions</small>
          </PostForm>
        </>
      ) : null}
    </section>
  );
}

const LINK_COLUMNS: Array<Column<EmailReport['links'][number]>> = [
  { head: 'Kind', cell: (l) => <span className={`badge ${l.kind}`}>{l.kind}</span> },
  { head: 'Text', cell: (l) => l.label || <span className="muted">(no text)</span> },
  { head: 'Address', className: 'url', cell: (l) => l.href },
  { head: 'Times', num: true, cell: (l) => l.count },
];

export function Links({ report }: { report: EmailReport | null }) {
  if (!report) return null;
  return (
    <section className="card" aria-labelledby="links-h">
      <h2 id="links-h">Links in the email ({report.links.length})</h2>
      <Table columns={LINK_COLUMNS} rows={report.links} rowKey={(l) => l.href} />
    </section>
  );
}

/** The topic variants fan-out rendered (src/delivery/variants.ts): which pairs, how many readers each. */
export function Variants({ d }: { d: IssuePageData }) {
  if (!d.variants || d.variants.length === 0) return null;
  const titles = new Map(d.pairs.map((p) => [p.position, `${p.a.name} vs ${p.b.name}`]));
  const columns: Array<Column<(typeof d.variants)[number]>> = [
    { head: 'Key', cell: (v) => <code>{v.key}</code> },
    { head: 'Pairs', cell: (v) => v.positions.map((n) => titles.get(n) ?? `#${n}`).join(' · ') },
    { head: 'Readers', num: true, cell: (v) => v.readers.toLocaleString('en-US') },
    { head: 'State', cell: (v) => (v.state === 'ready' ? 'sent' : <span title={v.reason ?? ''}>not sent: {v.reason}</span>) },
  ];
  return (
    <section className="card" aria-labelledby="variants-h">
      <h2 id="variants-h">Topic variants ({d.variants.length})</h2>
      <p className="muted">Readers get only the comparisons of their topics: one render per set of comparisons, “all” is the whole issue.</p>
      <Table columns={columns} rows={d.variants} rowKey={(v) => v.key} reflow testId="variants" />
    </section>
  );
}
