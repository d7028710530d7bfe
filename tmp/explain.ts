import pg from 'pg';
import { migrate } from '../src/db/migrate.js';
const url = process.env.DATABASE_URL!;
await migrate(url);
const c = new pg.Client({ connectionString: url });
await c.connect();
await c.query(`INSERT INTO issues (week, state) VALUES ('2026-W01','sent'),('2026-W02','sent'),('2026-W03','sent')`);
await c.query(`INSERT INTO subscribers (email, source, status) SELECT 'r'||g||'@x', 't', 'active' FROM generate_series(1,20000) g`);
await c.query(`INSERT INTO deliveries (issue_id, subscriber_id, batch_no, state, provider_message_id) SELECT i.id, s.id, s.id/100, 'sent', i.id||'-'||s.id FROM issues i, subscribers s`);
await c.query(`INSERT INTO provider_event_inbox (webhook_id, kind, occurred_at, email_id) SELECT 'w'||g, 'delivered', now(), '3-'||g FROM generate_series(1,5000) g`);
await c.query('ANALYZE');
const src = (await import('node:fs')).readFileSync('src/subscribers/event-rollup.ts', 'utf8');
const { ROLL_UP_SQL } = await import('../src/subscribers/event-rollup.js') as any;
for (const off of [false]) {
  await c.query('BEGIN');
  if (off) await c.query('SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off');
  const t = Date.now();
  const r = await c.query('EXPLAIN (ANALYZE, COSTS OFF) ' + ROLL_UP_SQL, [5000]);
  console.log('off=', off, Date.now() - t, 'ms');
  console.log(r.rows.map((x: any) => x['QUERY PLAN']).filter((l: string) => /deliveries|Execution|CTE/.test(l)).join('\n'));
  await c.query('ROLLBACK');
}
await c.end();
void src;
