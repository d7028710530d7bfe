// One issue for an editor: its pairs and the planner's reasons, the email at desktop and phone widths and
// as text, the quality gate with size and links, the actions, send progress and results.
import type { ReactNode } from 'react';
import type { ToolWithPanel } from '../../catalog/types.js';
import type { EmailReport } from '../../issues/quality.js';
import { EDITABLE_STATES } from '../../issues/lifecycle.js';
import type { IssueRow } from '../../issues/repo.js';
import type { TestSendRow } from '../../issues/test-send.js';
import { Flash, Layout, PostForm, StateBadge, When } from './layout.js';
import { Links, Pairs, Quality, Variants } from './issue-parts.js';
import type { VariantSummary } from '../../delivery/variants.js';
import type { IssueResults } from './queries.js';
import { ProgressCard, ResultsCard, type Progress } from './results.js';
import type { RetiredInPlan } from '../../issues/retired-tools.js';

export type PreviewView = 'desktop' | 'phone' | 'text';

export interface PairView {
  position: number;
  category: string;
  a: ToolWithPanel;
  b: ToolWithPanel;
  reasons: string[];
  pinned: boolean;
}

export interface IssuePageData {
  issue: IssueRow;
  label: string;
  pairs: PairView[];
  exclusions: Array<[ToolWithPanel | undefined, ToolWithPanel | undefined]>;
  tools: ToolWithPanel[];
  /** The quality report of the stored render, with the sample reader's copy it was made from. */
  report: (EmailReport & { sample: { html: string; text: string } }) | null;
  progress: Progress | null;
  results: IssueResults | null;
  tests: TestSendRow[];
  /** The topic variants of a send (none before fan-out). */
  variants?: VariantSummary[];
  /** Retired tools this week (not sent yet) still features. */
  retired: RetiredInPlan[];
  schedule: { slot: Date | null; cutoff: Date | null; requireApproval: boolean; cron: string; tz: string };
  view: PreviewView;
  flash?: { kind: 'ok' | 'error'; title: string; items?: string[] };
  /** Values to put back into a form after a refused action. */
  testAddress?: string;
}

function Preview({ d }: { d: IssuePageData }) {
  const week = d.issue.week;
  const tab = (v: PreviewView, label: string) => (
    <a href={`/admin/issues/${week}?view=${v}#preview`} aria-current={d.view === v ? 'page' : undefined}>
      {label}
    </a>
  );
  let body: ReactNode;
  if (!d.report) {
    body = <p className="muted">Not rendered yet: use “Re-render” to see the email.</p>;
  } else if (d.view === 'text') {
    body = <pre className="text" data-testid="text-version">{d.report.sample.text}</pre>;
  } else {
    const width = d.view === 'phone' ? 375 : 680;
    body = (
      <div className="frame-wrap">
        <iframe
          className="email"
          src={`/admin/issues/${week}/email.html`}
          width={width}
          style={{ width: `${width}px` }}
          title={`The email at ${d.view} width (${width} px)`}
          data-testid={`email-frame-${d.view}`}
        ></iframe>
      </div>
    );
  }
  return (
    <section className="card" id="preview" aria-labelledby="preview-h">
      <h2 id="preview-h">The email as a reader gets it</h2>
      <nav className="tabs" aria-label="Preview width">
        {tab('desktop', 'Desktop (680 px)')}
        {tab('phone', 'Phone (375 px)')}
        {tab('text', 'Text version')}
      </nav>
      {body}
      <p className="muted">Links are signed for reader id 0 (nobody): clicking them acts on no one.</p>
    </section>
  );
}

function Actions({ d }: { d: IssuePageData }) {
  const { issue } = d;
  const week = issue.week;
  const editable = EDITABLE_STATES.includes(issue.state);
  const failing = d.report?.failures.length ?? 0;
  return (
    <section className="card actions" aria-labelledby="actions-h">
      <h2 id="actions-h">Actions</h2>
      {issue.state === 'rendered' || issue.state === 'held' ? (
        <PostForm action={`/admin/issues/${week}/approve`} label="Approve">
          <button type="submit" className="primary">
            Approve for sending
          </button>
          {failing ? <p className="muted">Approval will be refused: {failing} quality problem{failing === 1 ? '' : 's'} below.</p> : null}
        </PostForm>
      ) : null}
      {issue.state === 'approved' ? (
        <p>
          Approved by <b>{issue.approved_by}</b> <When at={issue.approved_at} />.
        </p>
      ) : null}
      {issue.html ? (
        <PostForm action={`/admin/issues/${week}/test`} label="Send a test">
          <label htmlFor="test-to">Send a test to</label>
          <div className="row">
            <input id="test-to" type="email" name="to" required placeholder="you@example.com" defaultValue={d.testAddress ?? d.tests[0]?.to_address} autoComplete="email" />
            <button type="submit">Send test</button>
          </div>
          <small className="muted">Subject marked “[TEST]”; never counted as a delivery.</small>
        </PostForm>
      ) : null}
      {editable ? (
        <PostForm action={`/admin/issues/${week}/render`} label="Re-render">
          <button type="submit">Re-render with today’s figures</button>
        </PostForm>
      ) : null}
      {editable && issue.state !== 'held' ? (
        <PostForm action={`/admin/issues/${week}/hold`} label="Hold">
          <label htmlFor="hold-reason">Hold the send</label>
          <div className="row">
            <input id="hold-reason" type="text" name="reason" placeholder="reason (optional)" maxLength={200} />
            <button type="submit">Hold</button>
          </div>
        </PostForm>
      ) : null}
      {editable ? (
        <PostForm action={`/admin/issues/${week}/cancel`} label="Cancel">
          <label htmlFor="cancel-reason">Cancel this issue</label>
          <div className="row">
            <input id="cancel-reason" type="text" name="reason" placeholder="reason (optional)" maxLength={200} />
          </div>
          <label>
            <input type="checkbox" name="confirm" value="yes" required /> yes, cancel it (it will not be sent)
          </label>{' '}
          <button type="submit" className="danger">
            Cancel issue
          </button>
        </PostForm>
      ) : null}
      {!editable && !issue.html ? <p className="muted">Nothing to do: the issue is {issue.state}.</p> : null}
      {d.tests.length ? (
        <>
          <h3>Recent test sends</h3>
          <ul>
            {d.tests.map((t) => (
              <li key={t.id}>
                {t.to_address} · <When at={t.created_at} /> {t.error ? <span className="badge bad">{t.error}</span> : <span className="badge sent">sent</span>}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

function ScheduleNote({ d }: { d: IssuePageData }) {
  const s = d.schedule;
  const state = d.issue.state;
  if (!EDITABLE_STATES.includes(state)) return null;
  const slot = <When at={s.slot} />;
  const cutoff = <When at={s.cutoff} />;
  let what: ReactNode;
  if (s.cutoff && s.cutoff.getTime() < Date.now()) {
    what = (
      <>
        Its cut-off ({cutoff}) has passed: the schedule sends nothing more for this week. <code>npx verdicts send --week {d.issue.week}</code> sends it
        now (after the quality gate).
      </>
    );
  } else if (state === 'approved') what = <>Approved: it goes out at the slot.</>;
  else if (state === 'held') what = <>Held: nothing goes out until it is approved; without approval by the cut-off ({cutoff}) it is marked missed.</>;
  else if (s.requireApproval) what = <>Approval is required: without it by the cut-off ({cutoff}) the issue is marked missed.</>;
  else what = <>Approval is not required: a rendered issue goes out at the slot unless it is held.</>;
  return (
    <p className="sub schedule">
      Schedule “{s.cron}” {s.tz}: this week’s slot is {slot}. {what}
    </p>
  );
}

export function IssuePage({ d, csrf }: { d: IssuePageData; csrf: string }) {
  const { issue } = d;
  return (
    <Layout title={issue.week} section="issues" csrf={csrf} refreshSeconds={issue.state === 'sending' || d.progress?.state === 'approved' ? 5 : undefined}>
      <p>
        <a href="/admin">← All issues</a>
      </p>
      <h1>
        {issue.week} <StateBadge state={issue.state} />
      </h1>
      <p className="sub">{d.label}</p>
      <dl className="kv">
        <dt>Subject</dt>
        <dd>{issue.subject ?? <span className="muted">not rendered yet</span>}</dd>
        <dt>Preheader</dt>
        <dd>{issue.preheader ?? <span className="muted">—</span>}</dd>
        {issue.state_reason ? (
          <>
            <dt>Note</dt>
            <dd>{issue.state_reason}</dd>
          </>
        ) : null}
        <dt>Rendered</dt>
        <dd>
          <When at={issue.rendered_at} />
        </dd>
      </dl>
      <ScheduleNote d={d} />
      {d.flash ? <Flash {...d.flash} /> : null}
      {d.retired.length ? (
        <Flash
          kind="error"
          title={`This week features ${d.retired.length === 1 ? 'a tool' : 'tools'} retired since it was planned: re-plan it (below) or cancel it${issue.state === 'approved' ? ', or it goes out as approved' : ''}.`}
          items={d.retired.map((r) => `${r.pair}: ${r.name} retired`)}
        />
      ) : null}
      {d.progress ? <ProgressCard week={issue.week} p={d.progress} /> : null}
      {d.results ? <ResultsCard issue={issue} r={d.results} /> : null}
      <div className="grid">
        <div>
          <Preview d={d} />
        </div>
        <div>
          <Actions d={d} />
          <Quality report={d.report} />
        </div>
      </div>
      <Pairs d={d} />
      <Variants d={d} />
      <Links report={d.report} />
    </Layout>
  );
}
