// The welcome email, sent once after a reader confirms: what arrives when, one comparison from the latest
// issue as a sample of what they signed up for, where to choose topics, and how to leave. Built like the
// confirmation email (one <title>, nothing in <head> but meta, title and the style block) with the
// issue's classes so dark mode works the same way.
import { EmailDocument } from './_components/document.js';
import { Table, bgcolor } from './_components/layout.js';
import { hostOf } from './_components/format.js';
import { ShortFooter } from './_components/footer.js';
import { cls, color, font, st } from './_components/theme.js';

export interface WelcomeSampleTool {
  name: string;
  tagline: string;
  /** The panel's ship share, null without reviews. */
  panelShipPct: number | null;
  reviews: number;
}

export interface WelcomeSample {
  weekLabel: string;
  archiveUrl: string;
  category: string;
  a: WelcomeSampleTool;
  b: WelcomeSampleTool;
}

interface Props {
  publicUrl: string;
  mailingAddress: string;
  /** When issues arrive, in words: "every Tuesday at 09:00 (UTC)". */
  cadence: string;
  preferencesUrl: string;
  unsubscribeUrl: string;
  /** The latest issue's first comparison; null before the first issue went out. */
  sample: WelcomeSample | null;
}

export const WELCOME_SUBJECT = 'Welcome to Weekly AI Tool Verdicts';
const PREHEADER = 'What arrives when, a sample comparison, and how to choose your topics.';

const body = { ...st.intro, margin: '0 0 16px', fontSize: '16px', lineHeight: '25px' } as const;
const list = { ...body, paddingLeft: '20px' } as const;
const card = { padding: '16px 18px', backgroundColor: color.card, border: `1px solid ${color.cardBorder}`, borderRadius: '10px', fontFamily: font } as const;
const toolName = { margin: '0', fontSize: '17px', lineHeight: '24px', fontWeight: 800, color: color.ink } as const;
const link = { color: color.accent, textDecoration: 'underline', fontWeight: 700 } as const;

const panelInWords = (t: WelcomeSampleTool) =>
  t.panelShipPct === null ? 'no panel reviews yet' : `panel ship ${t.panelShipPct}% (${t.reviews} reviewer${t.reviews === 1 ? '' : 's'})`;

function SampleTool({ t }: { t: WelcomeSampleTool }) {
  return (
    <tr>
      <td className={cls.card} style={card} {...bgcolor(color.card)}>
        <p className={cls.text} style={toolName}>
          {t.name}
        </p>
        <p className={cls.muted} style={st.small}>
          {`${t.tagline} · ${panelInWords(t)}`}
        </p>
      </td>
    </tr>
  );
}

export function Welcome(p: Props) {
  return (
    <EmailDocument subject={WELCOME_SUBJECT} preheader={PREHEADER}>
                  <tr>
                    <td className={cls.header} style={st.header} {...bgcolor(color.headerBg)}>
                      <p style={st.brand}>Weekly AI Tool Verdicts</p>
                    </td>
                  </tr>
                  <tr>
                    <td className={cls.sheet} style={st.sheetUnderHeader} {...bgcolor(color.sheet)}>
                      <h1 className={`${cls.text} ${cls.h1}`} style={st.h1}>
                        You are in
                      </h1>
                      <p className={cls.text} style={body}>
                        {`Thanks for confirming. Here is what to expect: one email ${p.cadence}, nothing else.`}
                      </p>
                      <ul className={cls.text} style={list}>
                        <li>Two comparable AI tools side by side, in each of this week's categories.</li>
                        <li>Our reviewer panel's ship-or-skip verdicts, in their own words.</li>
                        <li>What each costs to start, and what readers voted. Your vote counts too: one click in the email.</li>
                      </ul>
                      {p.sample && (
                        <>
                          <p className={cls.link} style={st.eyebrow}>
                            {`A sample from ${p.sample.weekLabel} · ${p.sample.category}`}
                          </p>
                          <h2 className={cls.text} style={{ ...st.h2, margin: '6px 0 12px' }}>
                            {`${p.sample.a.name} vs ${p.sample.b.name}`}
                          </h2>
                          <Table>
                            <SampleTool t={p.sample.a} />
                            <tr>
                              <td style={st.spacer}>&nbsp;</td>
                            </tr>
                            <SampleTool t={p.sample.b} />
                          </Table>
                          <p className={cls.text} style={{ ...body, margin: '12px 0 16px' }}>
                            <a href={p.sample.archiveUrl} className={cls.link} style={link}>
                              Read the whole issue
                            </a>
                          </p>
                        </>
                      )}
                      <p className={cls.text} style={body}>
                        {'Only interested in some categories? '}
                        <a href={p.preferencesUrl} className={cls.link} style={link}>
                          Choose your topics
                        </a>
                        {'.'}
                      </p>
                    </td>
                  </tr>
                  <ShortFooter
                    why={`You get this because you confirmed your subscription at ${hostOf(p.publicUrl)}.`}
                    links={[
                      { href: p.preferencesUrl, label: 'Preferences' },
                      { href: p.unsubscribeUrl, label: 'Unsubscribe' },
                    ]}
                    mailingAddress={p.mailingAddress}
                  />
    </EmailDocument>
  );
}

/** The plain-text part: the same words, every link spelled out. */
export function welcomeText(p: Props): string {
  const sample = p.sample
    ? [
        `A SAMPLE FROM ${p.sample.weekLabel.toUpperCase()} · ${p.sample.category}`,
        `${p.sample.a.name} vs ${p.sample.b.name}`,
        `- ${p.sample.a.name}: ${p.sample.a.tagline}; ${panelInWords(p.sample.a)}`,
        `- ${p.sample.b.name}: ${p.sample.b.tagline}; ${panelInWords(p.sample.b)}`,
        `Read the whole issue: ${p.sample.archiveUrl}`,
        '',
      ]
    : [];
  return [
    'WEEKLY AI TOOL VERDICTS',
    '',
    'You are in',
    '',
    `Thanks for confirming. Here is what to expect: one email ${p.cadence}, nothing else.`,
    "- Two comparable AI tools side by side, in each of this week's categories.",
    "- Our reviewer panel's ship-or-skip verdicts, in their own words.",
    '- What each costs to start, and what readers voted. Your vote counts too: one click in the email.',
    '',
    ...sample,
    `Only interested in some categories? Choose your topics: ${p.preferencesUrl}`,
    '',
    '-'.repeat(60),
    `You get this because you confirmed your subscription at ${hostOf(p.publicUrl)}.`,
    `Preferences: ${p.preferencesUrl}`,
    `Unsubscribe: ${p.unsubscribeUrl}`,
    '',
    p.mailingAddress,
    '',
  ].join('\n');
}

Welcome.PreviewProps = {
  publicUrl: 'https://verdicts.example.com',
  mailingAddress: 'Weekly AI Tool Verdicts · 10 Sample Street · Springfield 00000 (placeholder address)',
  cadence: 'every Tuesday at 09:00 (UTC)',
  preferencesUrl: 'https://verdicts.example.com/preferences?token=p.42.0.0.1795000000.sample-signature-for-the-preview-only',
  unsubscribeUrl: 'https://verdicts.example.com/unsubscribe?token=u.42.0.0.1795000000.sample-signature-for-the-preview-only',
  sample: {
    weekLabel: 'Week 47',
    archiveUrl: 'https://verdicts.example.com/issues/2026-W47',
    category: 'Developer Tools',
    a: { name: 'Cursor', tagline: 'An AI-first code editor', panelShipPct: 63, reviews: 8 },
    b: { name: 'Zed', tagline: 'A fast collaborative editor', panelShipPct: 71, reviews: 7 },
  },
} satisfies Props;

export default Welcome;
