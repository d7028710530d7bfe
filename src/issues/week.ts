// ISO 8601 weeks ("2026-W47"): an issue belongs to one, Monday 00:00 UTC to the next Monday.
// Pure date arithmetic on UTC days; no date library.

export interface IsoWeek {
  year: number;
  week: number;
}

const DAY_MS = 86_400_000;
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** 52 or 53: a year has 53 ISO weeks when it starts on a Thursday, or on a Wednesday in a leap year. */
export function weeksInYear(year: number): 52 | 53 {
  const jan1 = new Date(Date.UTC(year, 0, 1)).getUTCDay(); // 0 = Sunday
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return jan1 === 4 || (leap && jan1 === 3) ? 53 : 52;
}

/** Parses "YYYY-Www"; anything else throws an Error with a one-line reason naming the input. */
export function parseIsoWeek(s: string): IsoWeek {
  const m = /^(\d{4})-W(\d{2})$/.exec(s);
  if (!m) throw new Error(`unknown week ${JSON.stringify(s)}: expected YYYY-Www, e.g. 2026-W47`);
  const year = Number(m[1]);
  const week = Number(m[2]);
  const last = weeksInYear(year);
  if (week < 1 || week > last) {
    throw new Error(`unknown week ${JSON.stringify(s)}: weeks run from W01 to W${last} (${year} has ${last})`);
  }
  return { year, week };
}

export function formatIsoWeek({ year, week }: IsoWeek): string {
  return `${String(year).padStart(4, '0')}-W${String(week).padStart(2, '0')}`;
}

/** The Monday 00:00 UTC that starts the week. */
export function weekStart(week: string): Date {
  const { year, week: n } = parseIsoWeek(week);
  // 4 January is always in week 1; step back to its Monday, then forward n-1 weeks.
  const jan4 = Date.UTC(year, 0, 4);
  const mondayOfWeek1 = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY_MS;
  return new Date(mondayOfWeek1 + (n - 1) * 7 * DAY_MS);
}

/** Half-open range [start, end): Monday 00:00 UTC to the following Monday 00:00 UTC. */
export function weekRange(week: string): { start: Date; end: Date } {
  const start = weekStart(week);
  return { start, end: new Date(start.getTime() + 7 * DAY_MS) };
}

/** The ISO week that contains `date` on the calendar of `timeZone` (an IANA name). */
// A DateTimeFormat costs far more to build than to use: one per time zone (scheduledSlot calls isoWeekOf
// for every firing of a week, on every admin issue page).
const dayFormats = new Map<string, Intl.DateTimeFormat>();
function dayFormat(timeZone: string): Intl.DateTimeFormat {
  let f = dayFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' });
    dayFormats.set(timeZone, f);
  }
  return f;
}

export function isoWeekOf(date: Date, timeZone = 'UTC'): string {
  const parts = dayFormat(timeZone).formatToParts(date);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const day = Date.UTC(part('year'), part('month') - 1, part('day'));
  // The week's Thursday decides its year (ISO 8601).
  const thursday = day + (3 - ((new Date(day).getUTCDay() + 6) % 7)) * DAY_MS;
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return formatIsoWeek({ year, week });
}

/** "Week 47 · 16–22 November 2026"; across a month or year: "Week 1 · 29 December 2025 – 4 January 2026". */
export function isoWeekLabel(week: string): string {
  const { week: n } = parseIsoWeek(week);
  const first = weekStart(week);
  const last = new Date(first.getTime() + 6 * DAY_MS);
  const [d1, m1, y1] = [first.getUTCDate(), first.getUTCMonth(), first.getUTCFullYear()];
  const [d2, m2, y2] = [last.getUTCDate(), last.getUTCMonth(), last.getUTCFullYear()];
  let range: string;
  if (y1 !== y2) range = `${d1} ${MONTHS[m1]} ${y1} – ${d2} ${MONTHS[m2]} ${y2}`;
  else if (m1 !== m2) range = `${d1} ${MONTHS[m1]} – ${d2} ${MONTHS[m2]} ${y2}`;
  else range = `${d1}–${d2} ${MONTHS[m2]} ${y2}`;
  return `Week ${n} · ${range}`;
}
