// Send progress while an issue goes out, and its results afterwards: counts, and two small inline SVG
// charts (accepted messages over time, votes per tool). Each chart has a table twin for screen readers.
import type { DeliveryCounts } from '../../delivery/ledger.js';
import type { IssueRow } from '../../issues/repo.js';
import type { IssueResults } from './queries.js';
import { pct, When } from './layout.js';
import { Table, type Column } from './table.js';

export interface Progress extends DeliveryCounts {
  state: string;
  done: number;
  percent: number;
  seconds: number | null;
}

/** What progress needs of an issue (progress.json reads only these columns). */
export type ProgressIssue = Pick<IssueRow, 'id' | 'state' | 'send_started_at' | 'sent_at'>;

export function progressOf(issue: ProgressIssue, counts: DeliveryCounts): Progress {
  const done = counts.sent + counts.failed + counts.skipped;
  const start = issue.send_started_at?.getTime();
  const end = issue.sent_at?.getTime() ?? Date.now();
  return {
    state: issue.state,
    ...counts,
    done,
    percent: counts.to_send ? Math.floor((100 * done) / counts.to_send) : issue.state === 'sent' ? 100 : 0,
    seconds: start ? Math.round((end - start) / 1000) : null,
  };
}

/** Live progress: numbers the script updates in place (data-field), refreshed by <noscript> otherwise. */
export function ProgressCard({ week, p }: { week: string; p: Progress }) {
  const f = (name: keyof Progress) => <span data-field={name}>{String(p[name] ?? '—')}</span>;
  return (
    <section className="card" aria-labelledby="progress-h" data-progress-url={`/admin/issues/${week}/progress.json`} data-state={p.state}>
      <h2 id="progress-h">Send progress</h2>
      <div className="bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={p.percent} aria-label="Share of deliveries final">
        <span data-field-bar="" style={{ width: `${p.percent}%` }}></span>
      </div>
      <p>
        {f('done')} of {f('to_send')} final ({f('percent')}%) · sent {f('sent')} · failed {f('failed')} · skipped {f('skipped')} · pending{' '}
        {f('pending')} · {f('seconds')} s
      </p>
      {p.state === 'sending' ? <p className="muted">This page follows the send as it happens.</p> : null}
      {p.state === 'approved' ? <p className="muted">Approved and due: waiting for the workers to start the send.</p> : null}
    </section>
  );
}

const W = 360;

function DeliveriesChart({ r }: { r: IssueResults }) {
  const t = r.timeline;
  if (t.length < 2) return <p className="muted">No message accepted yet.</p>;
  const h = 170;
  const pad = { l: 44, r: 10, t: 12, b: 28 };
  const x0 = t[0]!.at;
  const x1 = t[t.length - 1]!.at;
  const yMax = Math.max(1, r.audience, t[t.length - 1]!.total);
  const x = (at: number) => pad.l + ((W - pad.l - pad.r) * (at - x0)) / Math.max(1, x1 - x0);
  const y = (v: number) => h - pad.b - ((h - pad.t - pad.b) * v) / yMax;
  const line = t.map((p, i) => `${i ? 'L' : 'M'}${x(p.at).toFixed(1)},${y(p.total).toFixed(1)}`).join(' ');
  const area = `${line} L${x(x1).toFixed(1)},${y(0)} L${x(x0).toFixed(1)},${y(0)} Z`;
  const secs = Math.round((x1 - x0) / 1000);
  const span = secs < 120 ? `${secs} s` : secs < 7200 ? `${Math.round(secs / 60)} min` : `${(secs / 3600).toFixed(1)} h`;
  return (
    <figure style={{ margin: 0 }}>
      <svg viewBox={`0 0 ${W} ${h}`} width="100%" role="img" aria-labelledby="chart-deliveries-t">
        <title id="chart-deliveries-t">{`Messages accepted over ${span}: ${t[t.length - 1]!.total} of ${r.audience}`}</title>
        <line x1={pad.l} x2={W - pad.r} y1={y(r.audience)} y2={y(r.audience)} stroke="#98a2b3" strokeDasharray="4 3" />
        <path d={area} fill="#2456d622" />
        <path d={line} fill="none" stroke="#2456d6" strokeWidth="2" />
        <line x1={pad.l} x2={pad.l} y1={pad.t} y2={h - pad.b} stroke="#c5ccd6" />
        <line x1={pad.l} x2={W - pad.r} y1={h - pad.b} y2={h - pad.b} stroke="#c5ccd6" />
        <text x={pad.l - 6} y={y(0) + 4} textAnchor="end">0</text>
        <text x={pad.l - 6} y={y(r.audience) + 4} textAnchor="end">{r.audience}</text>
        <text x={pad.l} y={h - 8}>start</text>
        <text x={W - pad.r} y={h - 8} textAnchor="end">{`+${span}`}</text>
      </svg>
      <figcaption className="muted">Deliveries accepted by the provider over time (dashed: audience).</figcaption>
    </figure>
  );
}

function VotesChart({ r }: { r: IssueResults }) {
  if (r.votes.length === 0) return <p className="muted">No tools in this issue.</p>;
  const row = 26;
  const pad = { l: 120, r: 60, t: 6 };
  const h = pad.t + row * r.votes.length + 22;
  const max = Math.max(1, ...r.votes.map((v) => v.ships + v.skips));
  const scale = (n: number) => ((W - pad.l - pad.r) * n) / max;
  return (
    <figure style={{ margin: 0 }}>
      <svg viewBox={`0 0 ${W} ${h}`} width="100%" role="img" aria-labelledby="chart-votes-t">
        <title id="chart-votes-t">{`Votes per tool: ${r.votes.map((v) => `${v.name} ${v.ships} ship, ${v.skips} skip`).join('; ')}`}</title>
        {r.votes.map((v, i) => {
          const yy = pad.t + i * row;
          return (
            <g key={`${v.id}-${v.position}`}>
              <text x={pad.l - 8} y={yy + 16} textAnchor="end">
                {v.name.length > 18 ? `${v.name.slice(0, 17)}…` : v.name}
              </text>
              <rect x={pad.l} y={yy + 4} width={scale(v.ships)} height={16} fill="#17b26a" />
              <rect x={pad.l + scale(v.ships)} y={yy + 4} width={scale(v.skips)} height={16} fill="#98a2b3" />
              <text x={pad.l + scale(v.ships + v.skips) + 6} y={yy + 16}>{`${v.ships} / ${v.skips}`}</text>
            </g>
          );
        })}
        <rect x={pad.l} y={h - 14} width={10} height={10} fill="#17b26a" />
        <text x={pad.l + 14} y={h - 5}>ship</text>
        <rect x={pad.l + 52} y={h - 14} width={10} height={10} fill="#98a2b3" />
        <text x={pad.l + 66} y={h - 5}>skip</text>
      </svg>
      <figcaption className="muted">Community votes this issue drew, per tool (ship / skip).</figcaption>
    </figure>
  );
}

/** The charts' figures for screen readers. */
const VOTE_COLUMNS: Array<Column<IssueResults['votes'][number]>> = [
  { head: 'Tool', cell: (v) => v.name },
  { head: 'Ship', cell: (v) => v.ships },
  { head: 'Skip', cell: (v) => v.skips },
];

export function ResultsCard({ issue, r }: { issue: IssueRow; r: IssueResults }) {
  const base = r.sent;
  const tile = (label: string, n: number, note?: string) => (
    <div className="tile">
      <b>{n}</b>
      <small>
        {label}
        {note ? ` · ${note}` : ''}
      </small>
    </div>
  );
  const votes = r.votes.reduce((s, v) => s + v.ships + v.skips, 0);
  return (
    <section className="card" aria-labelledby="results-h">
      <h2 id="results-h">Results</h2>
      <p className="sub">
        Send started <When at={issue.send_started_at} />
        {issue.sent_at ? (
          <>
            , finished <When at={issue.sent_at} />
          </>
        ) : null}
        . Opens and clicks arrive from the provider's webhook; the outbox reports none.
      </p>
      <div className="tiles">
        {tile('sent', r.sent, `of ${r.audience}`)}
        {tile('delivered', r.delivered, pct(r.delivered, base))}
        {tile('opened', r.opened, pct(r.opened, base))}
        {tile('clicked', r.clicked, pct(r.clicked, base))}
        {tile('bounced', r.bounced, pct(r.bounced, base))}
        {tile('complained', r.complained, pct(r.complained, base))}
        {tile('unsubscribed after', r.unsubscribed, pct(r.unsubscribed, base))}
        {tile('votes', votes)}
        {r.failed ? tile('failed', r.failed) : null}
        {r.skipped ? tile('skipped', r.skipped) : null}
      </div>
      <div className="charts">
        <DeliveriesChart r={r} />
        <VotesChart r={r} />
      </div>
      <Table columns={VOTE_COLUMNS} rows={r.votes} rowKey={(v) => `${v.id}-${v.position}`} className="visually-hidden" caption="Votes per tool" />
    </section>
  );
}
