// The admin's reader figures (by status, and the active readers asked "still want this?") come from counts
// kept by triggers on subscribers, not from counting the list per page view (a million readers took
// 130-280 ms a view). They must equal a count of the rows after every kind of change a reader's row sees.
import { describe, expect, it } from 'vitest';
import { addReaders, type Harness } from '../support/harness.js';
import { harnessFor } from '../support/sending.js';
import { readerCounts, type ReaderCounts } from '../../src/web/admin/queries.js';
import { inTransaction } from '../../src/db/pool.js';
import { catalogRows } from '../../src/catalog/listing.js';
import { plannableTools } from '../../src/catalog/planner-input.js';

async function counted(h: Harness): Promise<ReaderCounts> {
  const { rows } = await h.app.db.query<{ status: string; n: number; asked: number }>(
    `SELECT status, count(*)::int AS n, (count(*) FILTER (WHERE sunset_asked_at IS NOT NULL))::int AS asked FROM subscribers GROUP BY status`,
  );
  return { byStatus: Object.fromEntries(rows.map((r) => [r.status, r.n])), asked: rows.find((r) => r.status === 'active')?.asked ?? 0 };
}

describe('reader figures on the admin pages', () => {
  const site = harnessFor({ backend: 'redis' });

  it('equal a count of the rows after inserts, confirmations, asks, unsubscribes, suppressions and erasures', async () => {
    const { h } = site;
    const db = h.app.db;
    const ids = await addReaders(h.app, 500);
    await db.query(`INSERT INTO subscribers (email, status, source) SELECT 'p' || g || '@example.net', 'pending', 'form' FROM generate_series(1, 40) g`);
    expect(await readerCounts(db)).toEqual(await counted(h));
    expect((await readerCounts(db)).byStatus).toMatchObject({ active: 500, pending: 40 });

    // Confirmations (pending → active), one at a time and at once.
    await db.query(`UPDATE subscribers SET status = 'active' WHERE email = 'p1@example.net'`);
    await db.query(`UPDATE subscribers SET status = 'active' WHERE email LIKE 'p1_@example.net'`);
    // The sunset asks some, one answers (asked cleared), some go inactive.
    await db.query(`UPDATE subscribers SET sunset_asked_at = now() WHERE id = ANY($1::bigint[])`, [ids.slice(0, 30)]);
    await db.query(`UPDATE subscribers SET sunset_asked_at = NULL WHERE id = $1`, [ids[0]]);
    await db.query(`UPDATE subscribers SET status = 'inactive', inactive_at = now() WHERE id = ANY($1::bigint[])`, [ids.slice(20, 30)]);
    // Unsubscribes, a bounce and a complaint.
    await db.query(`UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = now() WHERE id = ANY($1::bigint[])`, [ids.slice(100, 150)]);
    await db.query(`UPDATE subscribers SET status = 'bounced' WHERE id = $1`, [ids[200]]);
    await db.query(`UPDATE subscribers SET status = 'complained' WHERE id = $1`, [ids[201]]);
    // A change of neither status nor ask (a click) leaves the figures as they are.
    await db.query(`UPDATE subscribers SET last_active_at = now() WHERE id = ANY($1::bigint[])`, [ids.slice(300, 400)]);
    // Erasure (forget) and a reader's row deleted with others.
    await db.query(`DELETE FROM subscribers WHERE id = ANY($1::bigint[])`, [ids.slice(400, 420)]);
    // Several writers at once (signups and confirmations arrive together).
    await Promise.all(Array.from({ length: 20 }, (_, k) =>
      k % 2 === 0
        ? db.query(`INSERT INTO subscribers (email, status, source) VALUES ($1, 'pending', 'form')`, [`c${k}@example.net`])
        : db.query(`UPDATE subscribers SET status = 'active' WHERE email = $1`, [`p${20 + k}@example.net`]),
    ));
    const figures = await readerCounts(db);
    expect(figures).toEqual(await counted(h));
    expect(figures.byStatus).toMatchObject({ inactive: 10, unsubscribed: 50, bounced: 1, complained: 1 });
    expect(figures.asked).toBe(19);
  });

  it('read a few rows, never the list of readers', async () => {
    const { h } = site;
    await addReaders(h.app, 300, 5000);
    const scans = await inTransaction(h.app.db, async (tx) => {
      const read = async () => Number((await tx.query<{ n: string }>(
        `SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) AS n FROM pg_stat_xact_user_tables WHERE relname = 'subscribers'`,
      )).rows[0]?.n ?? 0);
      const before = await read();
      await readerCounts(tx);
      return (await read()) - before;
    });
    expect(scans).toBe(0);
  });

  it("the catalog's and the planner's vote totals come from the vote figures and equal a count of the votes", async () => {
    const { h } = site;
    const db = h.app.db;
    const tools = (await db.query<{ id: number }>(`SELECT id::int FROM tools ORDER BY id LIMIT 3`)).rows.map((r) => r.id);
    expect(tools).toHaveLength(3);
    const readers = await addReaders(h.app, 60, 9000);
    await db.query(
      `INSERT INTO votes (subscriber_id, tool_id, choice) SELECT r, t, CASE WHEN (r + t) % 3 = 0 THEN 'skip' ELSE 'ship' END
       FROM unnest($1::bigint[]) r, unnest($2::bigint[]) t`,
      [readers, tools],
    );
    await db.query(`UPDATE votes SET choice = 'skip' WHERE subscriber_id = ANY($1::bigint[]) AND tool_id = $2`, [readers.slice(0, 10), tools[0]]);
    await db.query(`DELETE FROM subscribers WHERE id = ANY($1::bigint[])`, [readers.slice(50)]);
    const live = new Map((await db.query<{ tool_id: number; votes: number; ships: number }>(
      `SELECT tool_id::int, count(*)::int AS votes, (count(*) FILTER (WHERE choice = 'ship'))::int AS ships FROM votes GROUP BY 1`,
    )).rows.map((r) => [r.tool_id, r]));
    const listed = await catalogRows(db);
    const planned = await plannableTools(db);
    for (const id of tools) {
      expect(live.get(id)!.votes).toBe(50);
      const row = listed.find((t) => t.id === id)!;
      expect({ votes: row.votes, ships: row.vote_ships }).toEqual({ votes: live.get(id)!.votes, ships: live.get(id)!.ships });
      const p = planned.find((t) => t.id === id)!;
      expect({ votes: p.votes, ships: p.voteShips }).toEqual({ votes: live.get(id)!.votes, ships: live.get(id)!.ships });
    }
    const scans = await inTransaction(db, async (tx) => {
      const read = async () => Number((await tx.query<{ n: string }>(
        `SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) AS n FROM pg_stat_xact_user_tables WHERE relname = 'votes'`,
      )).rows[0]?.n ?? 0);
      const before = await read();
      await catalogRows(tx);
      await plannableTools(tx);
      return (await read()) - before;
    });
    expect(scans).toBe(0);
  });
});
