// What a probe of the web process found about readers' data (issue 15), against real Postgres, Redis, a
// real send worker and the fake provider: confirmation mail bombing (tags, Gmail dots, one address
// forever), export and forget that miss no copy of an address in any case, and catalog text that could
// carry a placeholder or a bidi override into every reader's email.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Harness } from '../support/harness.js';
import { confirmationsSettled, settledAndCleared } from '../support/readers.js';
import { openSite, type Site } from '../support/site.js';
import { ADDRESS_COLUMNS, exportSubscriber, forgetSubscriber } from '../../src/subscribers/data-rights.js';
import { CatalogError, importCatalog, SAMPLE_CATALOG_PATH } from '../../src/catalog/import.js';

let site: Site;
let h: Harness;
let web: FastifyInstance;
let ip = 0;
const nextIp = () => `10.9.${Math.floor(++ip / 250)}.${ip % 250}`;
const mailsTo = (pattern: RegExp) => h.fake.deliveries.filter((d) => d.to.some((t) => pattern.test(t)));

async function subscribe(email: string) {
  const res = await web.inject({ method: 'POST', url: '/subscribe', payload: { email }, headers: { accept: 'application/json' }, remoteAddress: nextIp() });
  expect(res.statusCode).toBe(200);
  return res.json().message.replace(email.trim().toLowerCase(), '<address>') as string;
}

beforeAll(async () => void ({ h, web } = site = await openSite({ backend: 'redis', workers: ['send'] })));
afterAll(() => site?.close());
beforeEach(() => settledAndCleared(h));

describe('confirmation mail bombing', () => {
  it('sends one mailbox at most three confirmations however its address is tagged, with the same answer for each', async () => {
    const answers = new Set<string>();
    for (let i = 1; i <= 20; i++) answers.add(await subscribe(`victim+${i}@example.com`));
    await confirmationsSettled(h);
    expect(mailsTo(/^victim\+\d+@example\.com$/)).toHaveLength(3);
    expect(answers.size).toBe(1); // no way to tell which of them got an email
  });

  it('folds Gmail’s dots and googlemail.com into one mailbox', async () => {
    for (const email of ['j.doe@gmail.com', 'jdoe@googlemail.com', 'J.D.O.E+news@gmail.com', 'jd.oe@gmail.com', 'j.do.e+x@googlemail.com']) await subscribe(email);
    await confirmationsSettled(h);
    expect(mailsTo(/@(gmail|googlemail)\.com$/)).toHaveLength(3);
  });

  it('stops at three confirmations a week for an address that never confirms, whatever the IP', async () => {
    for (let i = 0; i < 6; i++) {
      await subscribe('never-confirms@example.com');
      await confirmationsSettled(h);
      // As if the ten minutes between two emails had passed.
      await h.app.db.query(`UPDATE subscribers SET confirm_sent_at = now() - interval '11 minutes' WHERE email = 'never-confirms@example.com'`);
    }
    expect(mailsTo(/^never-confirms@example\.com$/)).toHaveLength(3);
    // A different mailbox is not affected.
    await subscribe('someone-else@example.com');
    await confirmationsSettled(h);
    expect(mailsTo(/^someone-else@example\.com$/)).toHaveLength(1);
  });
});

describe('data rights cover every copy of an address', () => {
  it('knows every column of the schema that can hold an address', async () => {
    const { rows } = await h.app.db.query<{ col: string }>(
      `SELECT table_name || '.' || column_name AS col FROM information_schema.columns
       WHERE table_schema = 'public' AND column_name ~* '(e_?mail|address|recipient|mailbox)'
         AND column_name <> 'email_id' -- the provider's message id (provider events), not an address
       ORDER BY 1`,
    );
    const known = new Set<string>([...ADDRESS_COLUMNS.covered, ...ADDRESS_COLUMNS.notReaders]);
    const unknown = rows.map((r) => r.col).filter((c) => !known.has(c));
    expect(unknown, 'a column holds addresses that export and forget do not cover: add it to data-rights.ts').toEqual([]);
    for (const c of ADDRESS_COLUMNS.covered) expect(rows.map((r) => r.col)).toContain(c);
  });

  it('exports and forgets the outbox and test-send copies, whatever the case of the address', async () => {
    const db = h.app.db;
    await db.query(`INSERT INTO subscribers (email, status, source, consent_at) VALUES ('alice@example.com', 'active', 'form', now())`);
    const issue = (await db.query(`INSERT INTO issues (week, state, subject, html, text) VALUES ('2031-W02', 'rendered', 's', 'h', 't') RETURNING id`)).rows[0].id;
    await db.query(`INSERT INTO outbox (idempotency_key, position, message_id, to_address, from_address, subject, html, text) VALUES ('case', 0, 'case/0', 'ALICE@Example.com', 'x@y.z', 'Hello', 'h', 't')`);
    await db.query(`INSERT INTO test_sends (issue_id, to_address, requested_by) VALUES ($1, 'Alice@Example.COM', 'editor')`, [issue]);

    const data = await exportSubscriber(db, 'Alice@example.com');
    expect(data!.messages.map((m) => m.message_id)).toEqual(['case/0']);
    expect(data!.test_sends).toHaveLength(1);

    await forgetSubscriber(db, 'alice@example.com');
    const left = await db.query(
      `SELECT (SELECT count(*) FROM subscribers WHERE lower(email) = 'alice@example.com')::int
            + (SELECT count(*) FROM outbox WHERE lower(to_address) = 'alice@example.com')::int
            + (SELECT count(*) FROM test_sends WHERE lower(to_address) = 'alice@example.com')::int AS n`,
    );
    expect(left.rows[0].n).toBe(0);
  });
});

describe('catalog text', () => {
  const sample = () => JSON.parse(readFileSync(SAMPLE_CATALOG_PATH, 'utf8'));

  it('refuses placeholder syntax in every field, naming the field, and stores nothing of the file', async () => {
    const before = (await h.app.db.query(`SELECT md5(string_agg(description, '|' ORDER BY slug)) AS m FROM tools`)).rows[0].m;
    const places: Array<[string, (c: any, v: string) => void]> = [
      ['tools[0].name', (c, v) => (c.tools[0].name = `Tool ${v}`)],
      ['tools[0].category', (c, v) => (c.tools[0].category = v)],
      ['tools[0].tagline', (c, v) => (c.tools[0].tagline = `Best ${v}`)],
      ['tools[0].description', (c, v) => (c.tools[0].description = `Click ${v} now`)],
      ['tools[0].pricing', (c, v) => (c.tools[0].pricing = v)],
      ['tools[0].url', (c, v) => (c.tools[0].url = `https://example.com/?t=${v}`)],
      ['reviewers[0].name', (c, v) => (c.reviewers[0].name = v)],
      ['reviewers[0].role', (c, v) => (c.reviewers[0].role = v)],
      ['reviews[0].quote', (c, v) => (c.reviews[0].quote = `Great ${v}`)],
    ];
    for (const placeholder of ['%%UNSUBSCRIBE_TOKEN%%', '{{{FIRST_NAME}}}']) {
      for (const [path, put] of places) {
        const file = sample();
        put(file, placeholder);
        const err = await importCatalog(h.app.db, file).then(() => null, (e: Error) => e);
        expect(err, `${path} ${placeholder}`).toBeInstanceOf(CatalogError);
        expect(err!.message).toContain(path);
        expect(err!.message).toMatch(/placeholder/);
      }
    }
    expect((await h.app.db.query(`SELECT md5(string_agg(description, '|' ORDER BY slug)) AS m FROM tools`)).rows[0].m).toBe(before);
    // Any other writer is held by the database itself.
    await expect(h.app.db.query(`UPDATE tools SET description = 'x %%UNSUBSCRIBE_TOKEN%% y' WHERE id = (SELECT min(id) FROM tools)`)).rejects.toThrow(/tools_no_placeholders/);
  });

  it('strips bidirectional overrides and zero-width characters from catalog names', async () => {
    const file = sample();
    file.tools[0].name = 'Safe\u202Egnp.exe\u200B';
    file.reviewers[0].name = '\u2067Ada\u2069 Reviewer';
    await importCatalog(h.app.db, file);
    const tool = (await h.app.db.query(`SELECT name FROM tools WHERE slug = $1`, [file.tools[0].slug])).rows[0].name as string;
    const reviewer = (await h.app.db.query(`SELECT name FROM reviewers WHERE slug = $1`, [file.reviewers[0].slug])).rows[0].name as string;
    for (const name of [tool, reviewer]) expect(name).not.toMatch(/[\u200b-\u200f\u202a-\u202e\u2066-\u2069]/);
    expect(tool).toBe('Safe gnp.exe');
    expect(reviewer).toBe('Ada Reviewer');
    await importCatalog(h.app.db, sample());
  });
});
