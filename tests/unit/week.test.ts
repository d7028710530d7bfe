import { describe, expect, it } from 'vitest';
import { isoWeekLabel, isoWeekOf, parseIsoWeek, weekRange, weekStart, weeksInYear } from '../../src/issues/week.ts';

describe('parseIsoWeek', () => {
  it('reads YYYY-Www', () => {
    expect(parseIsoWeek('2026-W47')).toEqual({ year: 2026, week: 47 });
    expect(parseIsoWeek('2026-W01')).toEqual({ year: 2026, week: 1 });
    expect(parseIsoWeek('2026-W53')).toEqual({ year: 2026, week: 53 });
  });

  it('refuses a week past the last one of its year, naming how many the year has', () => {
    expect(() => parseIsoWeek('2026-W60')).toThrow('unknown week "2026-W60": weeks run from W01 to W53 (2026 has 53)');
    expect(() => parseIsoWeek('2025-W53')).toThrow('unknown week "2025-W53": weeks run from W01 to W52 (2025 has 52)');
    expect(() => parseIsoWeek('2026-W00')).toThrow('weeks run from W01 to W53');
  });

  it.each(['2026-47', '', '2026-w47', '2026-W7', ' 2026-W47', '2026-W47x', '26-W47'])(
    'refuses %j with a one-line message',
    (bad) => {
      let message = '';
      try {
        parseIsoWeek(bad);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toBe(`unknown week ${JSON.stringify(bad)}: expected YYYY-Www, e.g. 2026-W47`);
      expect(message).not.toContain('\n');
    },
  );
});

describe('weeksInYear', () => {
  it('knows the 53-week years', () => {
    expect([2015, 2020, 2026, 2032, 2037].map(weeksInYear)).toEqual([53, 53, 53, 53, 53]);
    expect([2021, 2022, 2023, 2024, 2025, 2027].map(weeksInYear)).toEqual([52, 52, 52, 52, 52, 52]);
  });
});

describe('weekStart / weekRange', () => {
  it('starts on Monday 00:00 UTC, week 1 holding 4 January', () => {
    expect(weekStart('2026-W47').toISOString()).toBe('2026-11-16T00:00:00.000Z');
    expect(weekStart('2026-W01').toISOString()).toBe('2025-12-29T00:00:00.000Z');
    expect(weekStart('2026-W53').toISOString()).toBe('2026-12-28T00:00:00.000Z');
    expect(weekStart('2021-W01').toISOString()).toBe('2021-01-04T00:00:00.000Z');
  });

  it('is a half-open range of seven days', () => {
    const { start, end } = weekRange('2026-W53');
    expect(start.toISOString()).toBe('2026-12-28T00:00:00.000Z');
    expect(end.toISOString()).toBe('2027-01-04T00:00:00.000Z');
  });

  it('round-trips every week of 2015–2035 through isoWeekOf', () => {
    for (let year = 2015; year <= 2035; year++) {
      for (let w = 1; w <= weeksInYear(year); w++) {
        const week = `${year}-W${String(w).padStart(2, '0')}`;
        const { start, end } = weekRange(week);
        expect(start.getUTCDay()).toBe(1);
        expect(isoWeekOf(start)).toBe(week);
        expect(isoWeekOf(new Date(end.getTime() - 1))).toBe(week);
      }
    }
  });
});

describe('isoWeekOf', () => {
  it('puts days around New Year in the right ISO year', () => {
    expect(isoWeekOf(new Date('2025-12-29T00:00:00Z'))).toBe('2026-W01');
    expect(isoWeekOf(new Date('2026-01-01T12:00:00Z'))).toBe('2026-W01');
    expect(isoWeekOf(new Date('2027-01-03T23:59:59Z'))).toBe('2026-W53');
    expect(isoWeekOf(new Date('2021-01-03T12:00:00Z'))).toBe('2020-W53');
    expect(isoWeekOf(new Date('2024-12-30T12:00:00Z'))).toBe('2025-W01');
  });

  it('reads the calendar of the given time zone', () => {
    const sundayNightUtc = new Date('2026-11-22T23:30:00Z'); // already Monday in Berlin
    expect(isoWeekOf(sundayNightUtc)).toBe('2026-W47');
    expect(isoWeekOf(sundayNightUtc, 'Europe/Berlin')).toBe('2026-W48');
    const mondayEarlyUtc = new Date('2026-11-23T03:00:00Z'); // still Sunday in New York
    expect(isoWeekOf(mondayEarlyUtc)).toBe('2026-W48');
    expect(isoWeekOf(mondayEarlyUtc, 'America/New_York')).toBe('2026-W47');
  });
});

describe('isoWeekLabel', () => {
  it('names the week and its Monday–Sunday dates', () => {
    expect(isoWeekLabel('2026-W47')).toBe('Week 47 · 16–22 November 2026');
  });

  it('spells out both months across a month boundary', () => {
    expect(isoWeekLabel('2026-W05')).toBe('Week 5 · 26 January – 1 February 2026');
  });

  it('spells out both years across a year boundary, including week 53', () => {
    expect(isoWeekLabel('2026-W01')).toBe('Week 1 · 29 December 2025 – 4 January 2026');
    expect(isoWeekLabel('2026-W53')).toBe('Week 53 · 28 December 2026 – 3 January 2027');
    expect(isoWeekLabel('2020-W53')).toBe('Week 53 · 28 December 2020 – 3 January 2021');
  });

  it('refuses a bad week with the parser message', () => {
    expect(() => isoWeekLabel('2026-W60')).toThrow('unknown week "2026-W60": weeks run from W01 to W53 (2026 has 53)');
  });
});
