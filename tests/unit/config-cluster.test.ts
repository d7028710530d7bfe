// REDIS_CLUSTER_NODES, the hash-tagged QUEUE_PREFIX it needs, and DATABASE_POOL_MAX: good values parse, bad
// ones stop start-up with a line naming the variable.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { defaultPoolMax } from '../../src/db/pool-budget.js';
import { openApp } from '../../src/app.js';

const base = { DATA_DIR: '.data/test-config', DATABASE_URL: 'postgres://root@127.0.0.1:5432/x' };

describe('Redis Cluster and pool settings', () => {
  it('reads the cluster nodes and gives the queues a hash-tagged prefix by default', () => {
    const c = loadConfig({ ...base, REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-2.internal:7001' });
    expect(c.redisClusterNodes).toEqual([{ host: '10.0.0.1', port: 7000 }, { host: 'redis-2.internal', port: 7001 }]);
    expect(c.queuePrefix).toBe('{verdicts}');
    expect(loadConfig({ ...base, REDIS_CLUSTER_NODES: '10.0.0.1:7000', QUEUE_PREFIX: '{news}-staging' }).queuePrefix).toBe('{news}-staging');
    expect(loadConfig(base).queuePrefix).toBe('verdicts');
  });

  it('refuses a bad node list, both Redis settings at once, and a prefix without a hash tag on a cluster', () => {
    expect(() => loadConfig({ ...base, REDIS_CLUSTER_NODES: '10.0.0.1' })).toThrow(/^REDIS_CLUSTER_NODES must be host:port,host:port/);
    expect(() => loadConfig({ ...base, REDIS_CLUSTER_NODES: '10.0.0.1:7000', REDIS_URL: 'redis://127.0.0.1:6379/0' })).toThrow(
      'REDIS_CLUSTER_NODES and REDIS_URL are both set: set one of them',
    );
    expect(() => loadConfig({ ...base, REDIS_CLUSTER_NODES: '10.0.0.1:7000', QUEUE_PREFIX: 'news' })).toThrow(/^QUEUE_PREFIX must start with a \{hash tag\} on a Redis Cluster, e\.g\. \{news\}/);
    expect(() => loadConfig({ ...base, QUEUE_PREFIX: '{news' })).toThrow(/^QUEUE_PREFIX must be lower-case letters/);
  });

  it('takes DATABASE_POOL_MAX when set, else a default per role', () => {
    expect(loadConfig({ ...base, DATABASE_POOL_MAX: '25' }).databasePoolMax).toBe(25);
    expect(loadConfig(base).databasePoolMax).toBeUndefined();
    expect(() => loadConfig({ ...base, DATABASE_POOL_MAX: '1' })).toThrow('DATABASE_POOL_MAX must be at least 2');
    expect(() => loadConfig({ ...base, DATABASE_POOL_MAX: 'lots' })).toThrow(/^DATABASE_POOL_MAX /);
    expect(defaultPoolMax(['send'], 'postgres')).toBe(defaultPoolMax(['send'], 'redis') + 2);
    expect(defaultPoolMax(['web', 'scheduler', 'render', 'send'], 'redis')).toBe(12);
  });

  it('refuses a pool that leaves a PostgreSQL-backend worker no connection besides its LISTEN ones', async () => {
    const config = loadConfig({ ...base, DATABASE_POOL_MAX: '3' });
    await expect(openApp(config, { parts: ['send'] })).rejects.toThrow(
      'DATABASE_POOL_MAX=3 is too small for send on the PostgreSQL queue backend: its workers hold 2 connection(s) for LISTEN; set at least 4',
    );
  });
});
