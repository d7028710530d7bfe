// The provider event log's monthly partitions: created a few months ahead (the default partition only
// catches what arrives if upkeep did not run), and dropped whole once older than the retention horizon.
import type { Db } from '../db/pool.js';

const AHEAD_MONTHS = 3;

function monthStart(d: Date, plus = 0): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + plus, 1));
}
function partName(start: Date): string {
  return `provider_event_log_y${start.getUTCFullYear()}m${String(start.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Creates this month's partition and the next few, as standalone tables attached (no lock on writers). */
export async function ensureEventMonths(db: Db, now = new Date()): Promise<string[]> {
  const created: string[] = [];
  for (let i = 0; i <= AHEAD_MONTHS; i++) {
    const from = monthStart(now, i);
    const to = monthStart(now, i + 1);
    const name = partName(from);
    const exists = (await db.query(`SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'provider_event_log'::regclass AND c.relname = $1`, [name])).rowCount;
    if (exists) continue;
    try {
      await db.query(`CREATE TABLE IF NOT EXISTS ${name} (LIKE provider_event_log INCLUDING DEFAULTS)`);
      await db.query(`ALTER TABLE provider_event_log ATTACH PARTITION ${name} FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`);
      created.push(name);
    } catch (err) {
      // Another process attached it meanwhile, or events of that month already sit in the default
      // partition (then they stay there until a prune deletes them): not worth failing upkeep for.
      if (!/already|would be violated|overlap/.test((err as Error).message)) throw err;
    }
  }
  return created;
}

/** Drops the months that ended more than keepWeeks weeks ago; their rows in the default partition go too. */
export async function dropEventMonthsBefore(db: Db, keepWeeks: number, opts: { dryRun: boolean }): Promise<string[]> {
  const horizon = new Date(Date.now() - keepWeeks * 7 * 86_400_000);
  const { rows } = await db.query<{ relname: string }>(
    `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'provider_event_log'::regclass AND c.relname ~ '^provider_event_log_y[0-9]{4}m[0-9]{2}$'`,
  );
  // The name says the month; it ends where the next one starts.
  const old = rows.filter((r) => {
    const [, y, m] = /_y(\d{4})m(\d{2})$/.exec(r.relname)!;
    return new Date(Date.UTC(Number(y), Number(m), 1)) <= horizon;
  });
  if (opts.dryRun) return old.map((r) => r.relname);
  for (const r of old) {
    await db.query(`ALTER TABLE provider_event_log DETACH PARTITION ${r.relname}`);
    await db.query(`DROP TABLE ${r.relname}`);
  }
  await db.query(`DELETE FROM provider_event_log_default WHERE received_at < $1`, [horizon]);
  return old.map((r) => r.relname);
}
