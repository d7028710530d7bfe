import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { connectionErrorReporter } from '../../src/connection-errors.js';
import { registry } from '../../src/metrics.js';

async function counted(source: string): Promise<number> {
  const m = (await registry.getSingleMetric('verdicts_connection_errors_total')?.get())?.values.find((v) => v.labels.source === source);
  return m?.value ?? 0;
}

describe('connection errors', () => {
  it('counts every error, logs the first at once and then at most one line per source per interval', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    let t = 0;
    const report = connectionErrorReporter(log, 10_000, () => t);
    const before = { redis: await counted('redis'), postgres: await counted('postgres') };
    const redis = report('redis');
    for (let i = 0; i < 50; i++, t += 100) redis(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    report('postgres')(new Error('terminating connection due to administrator command'));
    t = 10_000;
    redis(new Error('connect ECONNREFUSED 127.0.0.1:6379'));

    expect(await counted('redis')).toBe(before.redis + 51);
    expect(await counted('postgres')).toBe(before.postgres + 1);
    expect(lines.map((l) => [l.source, l.suppressed])).toEqual([['redis', 0], ['postgres', 0], ['redis', 49]]);
    expect(lines[0]).toMatchObject({ level: 40, err: 'connect ECONNREFUSED 127.0.0.1:6379' });
  });
});
