// Which process holds which Postgres connection: pg_stat_activity gives each backend's client port, and
// /proc tells which local process owns the socket on that port.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Db } from '../../src/db/pool.js';

/** Local TCP port -> socket inode, from /proc/net/tcp and tcp6. */
function portsToInodes(): Map<number, string> {
  const out = new Map<number, string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      const port = parseInt(f[1]!.split(':')[1]!, 16);
      out.set(port, f[9]!);
    }
  }
  return out;
}

function socketInodesOf(pid: number): Set<string> {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // the process is gone
  }
  return inodes;
}

/** Open connections to `database` per pid (of the given pids), plus those no given pid owns. */
export async function connectionsByProcess(db: Db, database: string, pids: number[]): Promise<{ byPid: Map<number, number>; other: number; unnamed: number }> {
  const { rows } = await db.query<{ client_port: number; application_name: string }>(
    `SELECT client_port, application_name FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND client_port IS NOT NULL`,
    [database],
  );
  const inodeOfPort = portsToInodes();
  const owner = new Map<string, number>();
  for (const pid of pids) for (const inode of socketInodesOf(pid)) owner.set(inode, pid);
  const byPid = new Map<number, number>(pids.map((p) => [p, 0]));
  let other = 0;
  let unnamed = 0;
  for (const r of rows) {
    const pid = owner.get(inodeOfPort.get(r.client_port) ?? '');
    if (pid === undefined) other++;
    else byPid.set(pid, byPid.get(pid)! + 1);
    if (!r.application_name) unnamed++;
  }
  return { byPid, other, unnamed };
}
