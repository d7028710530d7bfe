// /admin/calendar: the next six weeks, planned ones as planned, later ones as the planner would plan them today.
import type { CalendarWeek } from '../../catalog/calendar.js';
import type { Runway } from '../../catalog/runway.js';
import { Layout, StateBadge } from './layout.js';

export function CalendarPage({ csrf, weeks, runway }: { csrf: string; weeks: CalendarWeek[]; runway: Runway }) {
  return (
    <Layout title="Calendar" section="calendar" csrf={csrf}>
      <h1>Calendar</h1>
      <p className="sub">
        The next {weeks.length} weeks. Tentative weeks show what the planner would pick today: reviews, votes and new tools can still change them. Runway:{' '}
        {runway.weeks} weekly issue{runway.weeks === 1 ? '' : 's'} from the first unplanned week.
      </p>
      <section className="card">
        {weeks.map((w) => (
          <div className="cal-week" key={w.week}>
            <h2>
              {w.state === 'tentative' || w.state === 'empty' ? w.week : <a href={`/admin/issues/${w.week}`}>{w.week}</a>}{' '}
              <span className={w.state === 'empty' ? 'badge cancelled' : w.state === 'tentative' ? 'badge tentative' : undefined}>
                {w.state === 'empty' ? 'nothing to plan' : w.state === 'tentative' ? 'tentative' : <StateBadge state={w.state} />}
              </span>
            </h2>
            <div className="muted">{w.label}</div>
            {w.pairs.length ? (
              <ul>
                {w.pairs.map((p) => (
                  <li key={`${p.a}-${p.b}`}>
                    <b>{`${p.a} vs ${p.b}`}</b> <span className="muted">{`· ${p.category}`}</span>
                    {w.state === 'tentative' && p.reasons.length ? <div className="muted">{p.reasons.slice(1).join(' · ')}</div> : null}
                  </li>
                ))}
              </ul>
            ) : w.state === 'empty' ? (
              <p className="warn-text">The catalog has no pair left for this week: add tools or reviews in the <a href="/admin/catalog">catalog</a>.</p>
            ) : (
              <p className="muted">No pairs.</p>
            )}
          </div>
        ))}
      </section>
      {runway.ineligible.length ? (
        <section className="card">
          <h2>Tools that need reviews first</h2>
          <ul>
            {runway.ineligible.map((t) => (
              <li key={t.slug}>
                <a href={`/admin/catalog/tools/${t.slug}`}>{t.slug}</a>
                {`: ${t.missing_reviews} more review${t.missing_reviews === 1 ? '' : 's'}`}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </Layout>
  );
}
