// The welcome email a reader is owed once they confirm (confirmation.ts marks it owed in the same
// transaction that activates them), sent by the confirmation job through the same claim-first mechanism
// (owed-mail.ts): claimed 100 at a time, one gated provider request per claim, a key made of the ids and
// the claim time. Everything in the body is a function of the claim too: the links expire from the claim
// time and the sample is the newest issue sent before it, with panel figures only (community figures move
// with every vote, and a replayed request must carry the same bytes).
import { CronExpressionParser } from 'cron-parser';
import type { Db } from '../db/pool.js';
import type { OutgoingEmail } from '../delivery/mailer.js';
import { issueComparisons } from '../issues/archive.js';
import { isoWeekLabel } from '../issues/week.js';
import { PUBLISHED_STATES, sqlStates } from '../issues/lifecycle.js';
import { linkedEmails, owedMailKind, slotLink, type OwedGroup, type OwedMailDeps } from './owed-mail.js';

const sql = String.raw;

/** Readers owed a welcome now, or claimed and unsent (the sweeper's question; an EXISTS subquery). */
export const WELCOME_OWED = sql`SELECT 1 FROM subscribers WHERE welcome_owed_at IS NOT NULL AND status = 'active'`;
const SAMPLE_ISSUE = sql`
  SELECT id, week FROM issues
  WHERE state IN ${sqlStates(PUBLISHED_STATES)} AND html IS NOT NULL AND send_started_at <= $1
  ORDER BY week DESC LIMIT 1`;

interface WelcomeReader {
  id: number;
  email: string;
  welcome_claimed_at: Date;
}

/** "every Tuesday at 09:00 (UTC)": the schedule's next run, in words. */
export function cadenceInWords(cron: string, tz: string, from = new Date()): string {
  try {
    const next = CronExpressionParser.parse(cron, { currentDate: from, tz }).next().toDate();
    const day = new Intl.DateTimeFormat('en-GB', { weekday: 'long', timeZone: tz }).format(next);
    const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: tz }).format(next);
    return `every ${day} at ${time} (${tz})`;
  } catch {
    return 'once a week';
  }
}

// The template module is loaded on the first welcome a process sends, like the confirmation's.
let welcomeModule: Promise<typeof import('../../emails/welcome.js')> | undefined;
const welcomeTemplate = () => (welcomeModule ??= import('../../emails/welcome.js'));

async function sampleAt(db: Db, publicUrl: string, at: Date) {
  const issue = (await db.query<{ id: number; week: string }>(SAMPLE_ISSUE, [at])).rows[0];
  if (!issue) return null;
  const [c] = await issueComparisons(db, issue.id);
  if (!c) return null;
  const tool = (t: typeof c.a) => ({ name: t.name, tagline: t.tagline, panelShipPct: t.panel.shipPct, reviews: t.panel.reviews });
  return { weekLabel: isoWeekLabel(issue.week), archiveUrl: `${publicUrl}/issues/${issue.week}`, category: c.category, a: tool(c.a), b: tool(c.b) };
}

/** The welcome emails of one claim: rendered once with slots, each reader's tokens put into the slots. */
export async function welcomeEmails(deps: Pick<OwedMailDeps, 'db' | 'config'>, g: OwedGroup<WelcomeReader>): Promise<OutgoingEmail[]> {
  const { config } = deps;
  const { Welcome, welcomeText, WELCOME_SUBJECT } = await welcomeTemplate();
  const props = {
    cadence: cadenceInWords(config.scheduleCron, config.scheduleTz, g.claimedAt),
    preferencesUrl: slotLink(config, '/preferences', 'preferences'),
    sample: await sampleAt(deps.db, config.publicUrl, g.claimedAt),
  };
  return linkedEmails(deps, g, { template: 'welcome', component: Welcome, text: welcomeText, props, subject: WELCOME_SUBJECT, links: ['preferences'] });
}

// Readers of a claim who left or were suppressed since are not welcomed: they leave the claim.
export const welcomeMail = owedMailKind<WelcomeReader>(
  {
    name: 'welcome',
    owedAt: 'welcome_owed_at',
    claimable: "status = 'active'",
    leave: { when: "status <> 'active'", clearOwed: true },
    sent: 'welcome_sent_at = welcome_claimed_at, welcome_owed_at = NULL',
  },
  welcomeEmails,
);
