// The plan calendar: the next weeks as the editors will see them go out. Weeks with an issue show its pairs;
// the others show what the planner would pick today (tentative), from the same forecast as the runway.
import type { Queryable } from '../db/pool.js';
import { isoWeekLabel } from '../issues/week.js';
import { catalogForecast, nextWeek, type Runway } from './runway.js';

/** Tags a template literal as SQL for editors; it returns the text unchanged. */
const sql = String.raw;

const ISSUES_IN = sql`
  SELECT i.week, i.state, c.position, c.category, ta.name AS a, tb.name AS b, c.reasons
  FROM issues i
  LEFT JOIN comparisons c ON c.issue_id = i.id
  LEFT JOIN tools ta ON ta.id = c.tool_a_id
  LEFT JOIN tools tb ON tb.id = c.tool_b_id
  WHERE i.week = ANY($1::text[])
  ORDER BY i.week, c.position`;

export interface CalendarPair {
  category: string;
  a: string;
  b: string;
  reasons: string[];
}

export interface CalendarWeek {
  week: string;
  label: string;
  /** An issue's state, "tentative" for the planner's pick today, "empty" when nothing is left to plan. */
  state: string;
  pairs: CalendarPair[];
}

export async function planCalendar(db: Queryable, opts: { fromWeek: string; weeks: number; pairsPerIssue: number }): Promise<{ weeks: CalendarWeek[]; runway: Runway }> {
  const forecast = await catalogForecast(db, { fromWeek: opts.fromWeek, pairsPerIssue: opts.pairsPerIssue, keepPlans: opts.weeks });
  const tentative = new Map(forecast.tentative.map((t) => [t.week, t.pairs]));
  const span: string[] = [];
  for (let w = opts.fromWeek; span.length < opts.weeks; w = nextWeek(w)) span.push(w);
  const issues = new Map<string, CalendarWeek>();
  for (const r of (await db.query(ISSUES_IN, [span])).rows) {
    const entry: CalendarWeek = issues.get(r.week) ?? { week: r.week, label: isoWeekLabel(r.week), state: r.state, pairs: [] };
    if (r.position !== null) entry.pairs.push({ category: r.category, a: r.a, b: r.b, reasons: r.reasons });
    issues.set(r.week, entry);
  }
  const weeks = span.map((week): CalendarWeek => {
    const issue = issues.get(week);
    if (issue) return issue;
    const pairs = tentative.get(week);
    if (!pairs) return { week, label: isoWeekLabel(week), state: 'empty', pairs: [] };
    return { week, label: isoWeekLabel(week), state: 'tentative', pairs: pairs.map((p) => ({ category: p.category, a: p.a.name, b: p.b.name, reasons: p.reasons })) };
  });
  return { weeks, runway: forecast.runway };
}
