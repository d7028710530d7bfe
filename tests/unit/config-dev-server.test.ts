// A command beside a running `npm start` uses that server's PUBLIC_URL (its PORT), Redis and queue prefix
// where its own environment is silent, so that the links it renders and the jobs it queues are the
// server's; only for the database that server uses, and never in a server process itself.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, rememberDevServer } from '../../src/config.js';

const embeddedUrl = 'postgres://verdicts:pw@127.0.0.1:54329/verdicts';

function dataDirWithServer(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'verdicts-devcfg-'));
  writeFileSync(path.join(dir, 'database-url'), embeddedUrl + '\n');
  rememberDevServer(dir, { databaseUrl: embeddedUrl, publicUrl: 'http://localhost:3932', port: 3932, redisUrl: 'redis://127.0.0.1:6379/3', queuePrefix: 'dev', pid: 1 });
  return dir;
}

describe("the CLI follows the running npm start's settings", () => {
  it('takes PUBLIC_URL, REDIS_URL and QUEUE_PREFIX from it when its environment has none', () => {
    const c = loadConfig({ DATA_DIR: dataDirWithServer() }, { followDevServer: true });
    expect([c.publicUrl, c.publicUrlSource, c.redisUrl, c.queuePrefix]).toEqual(['http://localhost:3932', 'npm start', 'redis://127.0.0.1:6379/3', 'dev']);
  });

  it('keeps what the environment says', () => {
    const c = loadConfig({ DATA_DIR: dataDirWithServer(), PUBLIC_URL: 'https://news.example.org', QUEUE_PREFIX: 'other' }, { followDevServer: true });
    expect([c.publicUrl, c.publicUrlSource, c.queuePrefix]).toEqual(['https://news.example.org', 'PUBLIC_URL', 'other']);
  });

  it('ignores a server on another database, and server processes ignore it altogether', () => {
    const dir = dataDirWithServer();
    const other = loadConfig({ DATA_DIR: dir, DATABASE_URL: 'postgres://root@127.0.0.1:5432/prod' }, { followDevServer: true });
    expect([other.publicUrl, other.publicUrlSource, other.redisUrl]).toEqual(['http://localhost:3000', 'PORT', undefined]);
    const server = loadConfig({ DATA_DIR: dir });
    expect([server.publicUrl, server.queuePrefix]).toEqual(['http://localhost:3000', 'verdicts']);
  });
});
