// Debian's Chromium driven by playwright-core: never a downloaded browser. Shared by the e2e tests.
import { chromium, type Browser } from 'playwright-core';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export { freePort } from './ports.js';

export const CHROMIUM = '/usr/lib/chromium/chromium';
// Without the background-networking flags Chromium keeps dialling out, and this machine's network refuses it.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
/** Screenshots and captured mails (git-ignored). */
export const ARTIFACTS = path.resolve(import.meta.dirname, '../artifacts');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

