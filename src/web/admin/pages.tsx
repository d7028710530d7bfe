// The smaller admin pages: the issue list, the login form, the outbox and one outbox message, errors.
import type { IssueListRow, OutboxRow, ReaderCounts } from './queries.js';
import { issueTag } from './queries.js';
import { Flash, Layout, PostForm, StateBadge, When, pct } from './layout.js';
import { Table, type Column } from './table.js';

export interface SetupFacts {
  mailer: 'resend' | 'outbox';
  requireApproval: boolean;
  schedule: string;
  queues: string;
  mailingAddressIsPlaceholder: boolean;
  currentWeek: string;
}

const READER_STATUSES = ['active', 'inactive', 'pending', 'unsubscribed', 'bounced', 'complained'] as const;

/** One line: readers per status, inactive ones (the sunset) and those asked "still want this?" included. */
function Readers({ readers }: { readers: ReaderCounts }) {
  const n = (s: string) => readers.byStatus[s] ?? 0;
  return (
    <p className="sub" id="readers">
      <b>Readers:</b>{' '}
      {READER_STATUSES.map((s, i) => (
        <span key={s}>
          {i > 0 ? ' · ' : ''}
          {`${n(s)} ${s}`}
          {s === 'active' && readers.asked > 0 ? ` (${readers.asked} asked “still want this?”)` : ''}
        </span>
      ))}
    </p>
  );
}

/** A figure of the send, or a dash before there is one. */
const sendFigure = (head: string, n: (i: IssueListRow) => number): Column<IssueListRow> => ({ head, num: true, cell: (i) => (i.to_send ? n(i) : '—') });

const ISSUE_COLUMNS: Array<Column<IssueListRow>> = [
  { head: 'Week', cell: (i) => <a href={`/admin/issues/${i.week}`}>{i.week}</a> },
  { head: 'State', cell: (i) => <StateBadge state={i.state} /> },
  {
    head: 'Subject',
    cell: (i) => (
      <>
        {i.subject ?? <span className="muted">not rendered</span>}
        {i.state_reason ? <div className="muted">{i.state_reason}</div> : null}
      </>
    ),
  },
  { head: 'Pairs', num: true, cell: (i) => i.pairs },
  { head: 'Sent', num: true, cell: (i) => (i.to_send ? `${i.sent} of ${i.to_send} (${pct(i.sent, i.to_send)})` : '—') },
  sendFigure('Failed', (i) => i.failed),
  sendFigure('Skipped', (i) => i.skipped),
  sendFigure('Pending', (i) => i.pending),
  { head: 'Updated', cell: (i) => <When at={i.updated_at} /> },
];

export function IssuesPage(props: { csrf: string; issues: IssueListRow[]; facts: SetupFacts; readers?: ReaderCounts; olderThan: string | null; flash?: { kind: 'ok' | 'error'; title: string } }) {
  const { issues, facts } = props;
  return (
    <Layout title="Issues" section="issues" csrf={props.csrf}>
      <h1>Issues</h1>
      <p className="sub">
        Mail goes {facts.mailer === 'outbox' ? <a href="/admin/outbox">to the local outbox</a> : 'out through Resend'} · schedule {facts.schedule}
        {facts.requireApproval ? ' · sends wait for approval' : ' · approval not required'} · queues: {facts.queues}
      </p>
      {props.readers ? <Readers readers={props.readers} /> : null}
      {facts.mailingAddressIsPlaceholder ? (
        <Flash kind="error" title="MAILING_ADDRESS is not set: issues carry a placeholder postal address in their footer." />
      ) : null}
      {props.flash ? <Flash {...props.flash} /> : null}
      <section className="card">
        <PostForm action="/admin/issues" label="Plan a week">
          <label htmlFor="plan-week">
            <b>Plan a week</b> (ISO week){' '}
          </label>
          <input id="plan-week" type="text" name="week" defaultValue={facts.currentWeek} pattern="\d{4}-W\d{2}" required size={10} />{' '}
          <button type="submit" className="primary">
            Plan and render
          </button>{' '}
          <small className="muted">An existing plan is opened, not replaced.</small>
        </PostForm>
      </section>
      <section className="card">
        {issues.length === 0 ? (
          <p className="muted">No issues yet. Plan this week’s above, or run “npx verdicts plan”.</p>
        ) : (
          <Table columns={ISSUE_COLUMNS} rows={issues} rowKey={(i) => i.id} />
        )}
        {props.olderThan ? (
          <p>
            <a href={`/admin?before=${props.olderThan}`}>Older issues →</a>
          </p>
        ) : null}
      </section>
    </Layout>
  );
}

export function LoginPage({ next, error }: { next: string; error?: string }) {
  return (
    <Layout title="Log in" section={null} csrf="" signedIn={false}>
      <section className="card login">
        <h1>Editors only</h1>
        <p className="sub">
          Enter the admin token: <code>npm start</code> prints it (and keeps it in <code>.data/admin-token</code>); in production it is{' '}
          <code>ADMIN_TOKEN</code>.
        </p>
        {error ? <Flash kind="error" title={error} /> : null}
        <form method="post" action="/admin/login">
          <input type="hidden" name="next" value={next} />
          <label htmlFor="token">Admin token</label>
          <input id="token" type="password" name="token" autoComplete="current-password" required autoFocus />
          <button type="submit" className="primary">
            Log in
          </button>
        </form>
        <p className="muted">
          Scripts can send <code>Authorization: Bearer &lt;token&gt;</code>, or basic auth with the token as the password.
        </p>
      </section>
    </Layout>
  );
}

type OutboxListRow = Omit<OutboxRow, 'html' | 'text' | 'headers' | 'idempotency_key'>;

const tagText = (tags: OutboxRow['tags']) => tags.map((t) => (t.value ? `${t.name}=${t.value}` : t.name)).join(' ');

const OUTBOX_COLUMNS: Array<Column<OutboxListRow>> = [
  { head: 'Time', cell: (m) => <When at={m.created_at} /> },
  { head: 'To', cell: (m) => m.to_address },
  { head: 'Subject', cell: (m) => <a href={`/admin/outbox/${m.id}`}>{m.subject}</a> },
  { head: 'Issue', cell: (m) => issueTag(m.tags) ?? <span className="muted">—</span> },
  { head: 'Tags', className: 'muted', cell: (m) => tagText(m.tags) },
];

export function OutboxPage(props: { csrf: string; rows: OutboxListRow[]; olderThan: number | null; mailer: 'resend' | 'outbox' }) {
  return (
    <Layout title="Outbox" section="outbox" csrf={props.csrf}>
      <h1>Outbox</h1>
      <p className="sub">
        {props.mailer === 'outbox'
          ? 'No RESEND_API_KEY is set: every message the project sends is stored here instead of leaving the machine.'
          : 'RESEND_API_KEY is set: mail goes through Resend and nothing new lands here. Older local messages are listed below.'}
      </p>
      <section className="card">
        {props.rows.length === 0 ? (
          <p className="muted">Nothing sent yet.</p>
        ) : (
          <Table columns={OUTBOX_COLUMNS} rows={props.rows} rowKey={(m) => m.id} />
        )}
        {props.olderThan ? (
          <p>
            <a href={`/admin/outbox?before=${props.olderThan}`}>Older messages →</a>
          </p>
        ) : null}
      </section>
    </Layout>
  );
}

export function OutboxMessagePage({ csrf, m, view }: { csrf: string; m: OutboxRow; view: 'html' | 'text' }) {
  return (
    <Layout title={m.subject} section="outbox" csrf={csrf}>
      <p>
        <a href="/admin/outbox">← Outbox</a>
      </p>
      <h1>{m.subject}</h1>
      <section className="card">
        <dl className="kv">
          <dt>From</dt>
          <dd>{m.from_address}</dd>
          <dt>To</dt>
          <dd>{m.to_address}</dd>
          <dt>Time</dt>
          <dd>
            <When at={m.created_at} />
          </dd>
          <dt>Issue</dt>
          <dd>{issueTag(m.tags) ?? '—'}</dd>
          <dt>Tags</dt>
          <dd>{tagText(m.tags) || '—'}</dd>
          {Object.entries(m.headers).map(([k, v]) => (
            <div key={k} style={{ display: 'contents' }}>
              <dt>{k}</dt>
              <dd className="url">{v}</dd>
            </div>
          ))}
          <dt>Message id</dt>
          <dd className="url">{m.message_id}</dd>
        </dl>
      </section>
      <section className="card">
        <nav className="tabs" aria-label="Message part">
          <a href={`/admin/outbox/${m.id}?view=html`} aria-current={view === 'html' ? 'page' : undefined}>
            HTML
          </a>
          <a href={`/admin/outbox/${m.id}?view=text`} aria-current={view === 'text' ? 'page' : undefined}>
            Text
          </a>
        </nav>
        {view === 'text' ? (
          <pre className="text">{m.text}</pre>
        ) : (
          <div className="frame-wrap">
            <iframe className="email" src={`/admin/outbox/${m.id}/html`} width={680} style={{ width: '680px' }} title="The message as the reader sees it"></iframe>
          </div>
        )}
      </section>
    </Layout>
  );
}

export function ErrorPage({ csrf, status, message }: { csrf: string; status: number; message: string }) {
  return (
    <Layout title={String(status)} section={null} csrf={csrf}>
      <h1>{status === 404 ? 'Not found' : 'That did not work'}</h1>
      <Flash kind="error" title={message} />
      <p>
        <a href="/admin">← All issues</a>
      </p>
    </Layout>
  );
}
