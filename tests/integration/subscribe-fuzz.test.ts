// Thousands of malformed signups: oversized bodies, wrong types, header injection (CR/LF in name or
// email), SQL fragments, odd unicode, broken encodings. Never a 5xx, never internals in an answer,
// and afterwards every stored row is a clean, normalised reader.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createHarness, type Harness } from '../support/harness.js';
import { confirmationsSettled, readerServer } from '../support/readers.js';
import { startWorkers, type RunningWorkers } from '../../workers/start.js';
import { cleanName, normaliseEmail } from '../../src/subscribers/import.js';

const CASES = 3000;
let h: Harness;
let web: FastifyInstance;
let workers: RunningWorkers;

/** A small seeded PRNG (mulberry32): the same run every time, so a failure can be replayed. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY_STRINGS = [
  '',
  ' ',
  'ada@example.com\r\nBcc: victim@example.net',
  'ada@example.com\nSubject: hi',
  'ada@example.com%0d%0aBcc:x@y.z',
  "ada@example.com'; DROP TABLE subscribers; --",
  "' OR '1'='1",
  'x@y.z UNION SELECT email FROM subscribers',
  'Robert"); DELETE FROM votes;--',
  '<script>alert(1)</script>@example.com',
  'ada@exam<ple.com',
  '"ada"@example.com',
  'ada@@example.com',
  'ada@example..com',
  '.ada@example.com',
  'ada@-example.com',
  'ada@example',
  '@example.com',
  'ada@',
  'ａｄａ＠example.com',
  'ada\u0000@example.com',
  'ada\u202e@example.com',
  'ada\u200b@example.com',
  'adä@exämple.com',
  '😀@example.com',
  '\ud800@example.com',
  'a'.repeat(65) + '@example.com',
  'a@' + 'b'.repeat(250) + '.com',
  'ada@example.com,grace@example.com',
  'ada@example.com; grace@example.com',
  'Ada <ada@example.com>',
  '%E0%A4%A',
  '\\u0000',
  '{"$ne": null}',
  '__proto__',
  'constructor',
  'null',
  'undefined',
  'NaN',
];

const NASTY_NAMES = [
  'Ada\r\nBcc: victim@example.net',
  'Ada\u0000Lovelace',
  'Ada\u202eecalevoL',
  'Ada\u200b\u200c\u200d\ufeff',
  '\u0085Ada\u2028Lovelace\u2029',
  "Ada'); DROP TABLE subscribers; --",
  '<img src=x onerror=alert(1)>',
  '😀'.repeat(60),
  'é'.repeat(150),
  '\ud83d',
  'x'.repeat(5000),
  '   ',
  'Zoë O\u0301Brien',
];

/** Percent-encodes every UTF-8 byte (encodeURIComponent throws on a lone surrogate). */
const percent = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

function caseFor(i: number, rnd: () => number): { headers: Record<string, string>; payload: string | undefined } {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const validish = () => `fuzz${i}@example${Math.floor(rnd() * 5)}.com`;
  const emailValue = (): unknown =>
    pick<() => unknown>([
      () => pick(NASTY_STRINGS),
      () => validish(),
      () => `  ${validish().toUpperCase()}  `,
      () => Math.floor(rnd() * 1e9),
      () => [validish(), validish()],
      () => ({ email: validish() }),
      () => null,
      () => true,
      () => 'x'.repeat(Math.floor(rnd() * 400)),
    ])();
  const nameValue = (): unknown => pick<() => unknown>([() => undefined, () => pick(NASTY_NAMES), () => 7, () => ['a', 'b'], () => ({}), () => 'Plain Name'])();
  const body: Record<string, unknown> = {};
  if (rnd() < 0.93) body.email = emailValue();
  const name = nameValue();
  if (name !== undefined) body.name = name;
  if (rnd() < 0.05) body.website = 'http://spam.example';
  if (rnd() < 0.05) body['__proto__'] = { polluted: true };
  if (rnd() < 0.05) body[String('constructor')] = { prototype: { polluted: true } };

  const kind = pick(['form', 'form', 'json', 'json', 'raw-json', 'text', 'multipart', 'none', 'xml', 'huge', 'broken-json', 'broken-form']);
  const form = () =>
    Object.entries(body)
      .flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]))
      .map(([k, v]) => `${percent(String(k))}=${percent(typeof v === 'object' ? JSON.stringify(v) : String(v))}`)
      .join('&');
  switch (kind) {
    case 'form':
      return { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form() };
    case 'json':
      return { headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) };
    case 'raw-json':
      return { headers: { 'content-type': 'application/json; charset=utf-8' }, payload: JSON.stringify(pick([[body], 'a@b.co', 42, null, true, [[[[]]]], { email: { email: { email: 'x' } } }])) };
    case 'text':
      return { headers: { 'content-type': 'text/plain' }, payload: String(body.email) };
    case 'multipart':
      return { headers: { 'content-type': 'multipart/form-data; boundary=zz' }, payload: `--zz\r\nContent-Disposition: form-data; name="email"\r\n\r\n${String(body.email)}\r\n--zz--` };
    case 'none':
      return { headers: {}, payload: rnd() < 0.5 ? undefined : form() };
    case 'xml':
      return { headers: { 'content-type': 'application/xml' }, payload: `<email>${String(body.email)}</email>` };
    case 'huge':
      return rnd() < 0.5
        ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `email=${validish()}&name=${'n'.repeat(20_000 + Math.floor(rnd() * 300_000))}` }
        : { headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email: validish(), pad: 'p'.repeat(20_000 + Math.floor(rnd() * 300_000)) }) };
    case 'broken-json':
      return { headers: { 'content-type': 'application/json' }, payload: pick(['{', '{"email":', '{"email": "a@b.co",}', '\u0000', '{"__proto__": {"x": 1}, "email": "p@example.com"}', '[' .repeat(5000)]) };
    default:
      return { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: pick(['email=%', 'email=%E0%A4%A', '=&=&&', 'email', 'email[]=a@b.co&email[x]=1', '%00=%00', 'email=a%40b.co&email=c%40d.co']) };
  }
}

beforeAll(async () => {
  h = await createHarness({ backend: 'redis', catalog: false, env: { SEND_RATE: '20' } });
  workers = startWorkers(h.app, ['send']); // sends the confirmations the accepted signups asked for
  web = await readerServer(h);
});
afterAll(async () => {
  await web?.close();
  await workers?.close();
  await h?.close();
});

describe('POST /subscribe under fuzzing', () => {
  it(`answers ${CASES} malformed requests without a 5xx and stores only clean rows`, async () => {
    const rnd = prng(20261121);
    const statuses = new Map<number, number>();
    for (let start = 0; start < CASES; start += 50) {
      const batch = Array.from({ length: Math.min(50, CASES - start) }, (_, k) => {
        const i = start + k;
        const c = caseFor(i, rnd);
        // Most requests from their own address (the per-IP limit is tested elsewhere); a few from one.
        const remoteAddress = i % 10 === 0 ? '198.51.100.1' : `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
        return web.inject({ method: 'POST', url: '/subscribe', payload: c.payload, headers: c.headers, remoteAddress }).then((r) => ({ i, c, r }));
      });
      for (const { i, c, r } of await Promise.all(batch)) {
        statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
        if (r.statusCode >= 500 || ![200, 400, 413, 415, 422, 429].includes(r.statusCode)) {
          throw new Error(`case ${i}: ${r.statusCode} for ${JSON.stringify(c).slice(0, 300)}: ${r.body.slice(0, 300)}`);
        }
        // A clear message, never internals.
        expect(r.body).not.toMatch(/\n\s+at |node_modules|SyntaxError|ZodError|TypeError|FST_/);
        expect(r.headers['content-type']).toMatch(/^(text\/html|application\/json)/);
      }
    }
    expect(statuses.get(200)).toBeGreaterThan(100);
    expect(statuses.get(422)).toBeGreaterThan(100);
    expect(statuses.get(429)).toBeGreaterThan(0);
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true);

    const { rows } = await h.app.db.query(`SELECT email, name, status, source, consent_at FROM subscribers`);
    expect(rows.length).toBeGreaterThan(50);
    for (const row of rows) {
      expect(normaliseEmail(row.email)).toBe(row.email);
      expect(row.email).toMatch(/^fuzz\d+@example\d\.com$/);
      if (row.name !== null) {
        expect(cleanName(row.name)).toBe(row.name);
        expect(row.name).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2028\u2029\ufeff]/);
        expect(Array.from(row.name).length).toBeLessThanOrEqual(100);
      }
      expect(row).toMatchObject({ status: 'pending', source: 'form', consent_at: null });
    }
    // Nothing was polluted along the way.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Every confirmation went to a stored reader, one address per message, and every stored reader got one.
    await confirmationsSettled(h, 60_000);
    const stored = new Set(rows.map((r) => r.email));
    expect(h.fake.distinctRecipients()).toBe(stored.size);
    expect(h.fake.deliveries.every((d) => d.to.length === 1 && stored.has(d.to[0]!))).toBe(true);
    // The tables are intact after all the SQL fragments.
    const tables = await h.app.db.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('subscribers', 'votes')`);
    expect(tables.rows[0].n).toBe(2);
  });
});
