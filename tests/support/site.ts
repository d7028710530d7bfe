// The web process as the reader and editor tests run it: a harness app, its web server (listening on a free
// port when a browser needs it, with PUBLIC_URL pointing there) and the workers the test asks for; and the
// one close that stops them all, whatever was opened before a failure. The browser tests add Chromium.
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { buildServer } from '../../src/web/server.js';
import type { QueueRole } from '../../src/queue/jobs.js';
import { startWorkers, type RunningWorkers } from '../../workers/start.js';
import { createHarness, type Harness } from './harness.js';
import { freePort } from './ports.js';
import { launchChromium } from './browser.js';

export interface Site {
  h: Harness;
  web: FastifyInstance;
  /** The running workers (none unless asked for); a test may close them and start others here. */
  workers: RunningWorkers | undefined;
  /** `http://127.0.0.1:PORT` with `listen`, else the harness's PUBLIC_URL. */
  base: string;
  close(): Promise<void>;
}

/** Closes each in turn (and skips what was never opened): one afterAll for a test's servers and browser. */
export async function closeAll(...things: ({ close(): Promise<unknown> } | undefined)[]): Promise<void> {
  for (const t of things) await t?.close();
}

export async function openSite(
  opts: { backend?: 'redis' | 'postgres'; env?: Record<string, string>; workers?: QueueRole[]; listen?: boolean } = {},
): Promise<Site> {
  const port = opts.listen ? await freePort() : undefined;
  const listenEnv: Record<string, string> = port ? { PUBLIC_URL: `http://127.0.0.1:${port}`, PORT: String(port) } : {};
  const h = await createHarness({ backend: opts.backend, env: { ...listenEnv, ...opts.env } });
  const site: Site = {
    h,
    web: undefined as unknown as FastifyInstance,
    workers: opts.workers ? startWorkers(h.app, opts.workers) : undefined,
    base: port ? `http://127.0.0.1:${port}` : h.config.publicUrl,
    close: () => closeAll(site.web, site.workers, h),
  };
  try {
    site.web = await buildServer(h.app);
    if (port) await site.web.listen({ port, host: '127.0.0.1' });
  } catch (err) {
    await site.close();
    throw err;
  }
  return site;
}

export interface BrowserSite extends Site {
  browser: Browser;
}

/** A listening site and Chromium to look at it, for the browser tests; its close stops the browser too. */
export async function openBrowserSite(opts: Omit<Parameters<typeof openSite>[0], 'listen'> = {}): Promise<BrowserSite> {
  const site = await openSite({ ...opts, listen: true });
  const server = { close: site.close.bind(site) };
  try {
    const browser = await launchChromium();
    return Object.assign(site, { browser, close: () => closeAll(browser, server) });
  } catch (err) {
    await server.close();
    throw err;
  }
}
