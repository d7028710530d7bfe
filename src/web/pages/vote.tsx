// Community vote: the GET shows the tool and the choice about to be made, with a confirm button; the POST
// records it, and only then does the page show "Your vote".
import { isoWeekLabel } from '../../issues/week.js';
import type { Choice, VoteContext } from '../../subscribers/votes.js';
import type { Site } from './layout.js';
import { BROWSE_ARCHIVE, linkProblemPage, MessagePage } from './messages.js';
import { communityInWords } from './sample.js';

const WORD: Record<Choice, string> = { ship: 'Ship it', skip: 'Skip it' };
const other = (c: Choice): Choice => (c === 'ship' ? 'skip' : 'ship');

/** "Week 10 · Cursor vs Aider": above the heading. */
const eyebrow = (ctx: VoteContext) => `${isoWeekLabel(ctx.week).split(' · ')[0]} · ${ctx.pair}`;

function Community({ ctx }: { ctx: VoteContext }) {
  const c = communityInWords(ctx.community);
  return (
    <p className="muted">
      {`Community ship for ${ctx.toolName}: `}
      <strong>{c.figure}</strong>
      {` (${c.detail}).`}
    </p>
  );
}

function ChoiceButton({ choice, primary, label }: { choice: Choice; primary?: boolean; label?: string }) {
  return (
    <button className={primary ? `btn ${choice}` : 'btn secondary'} type="submit" name="choice" value={choice}>
      {label ?? WORD[choice]}
    </button>
  );
}

export function VotePage({ site, ctx, choice, action }: { site: Site; ctx: VoteContext; choice: Choice | null; action: string }) {
  return (
    <MessagePage site={site} title={`Your verdict on ${ctx.toolName}`} tone="info" eyebrow={eyebrow(ctx)} noindex>
      <p className="muted">{ctx.tagline}</p>
      {/* Before the POST nothing is recorded: the page says what the button will do, never "Your vote". */}
      {choice ? (
        <p className="lede">{`You are about to vote ${WORD[choice].toLowerCase()} on ${ctx.toolName}. Nothing is recorded until you confirm.`}</p>
      ) : (
        <p className="lede">Would you ship with it, or skip it?</p>
      )}
      {ctx.current && <p>{`You voted ${WORD[ctx.current].toLowerCase()} earlier; a new vote replaces it.`}</p>}
      <form method="post" action={action} className="actions">
        {choice ? (
          <>
            <ChoiceButton choice={choice} primary label={`Confirm: ${WORD[choice].toLowerCase()}`} />
            <ChoiceButton choice={other(choice)} label={`${WORD[other(choice)]} instead`} />
          </>
        ) : (
          <>
            <ChoiceButton choice="ship" primary />
            <ChoiceButton choice="skip" primary />
          </>
        )}
      </form>
      <Community ctx={ctx} />
    </MessagePage>
  );
}

export function VotedPage({ site, ctx, choice, action }: { site: Site; ctx: VoteContext; choice: Choice; action: string }) {
  return (
    <MessagePage site={site} title="Thanks, your vote is in" tone="ok" eyebrow={eyebrow(ctx)} noindex>
      <p className="verdict">
        {`Your vote on ${ctx.toolName}: `}
        <span className={`choice ${choice}`}>{WORD[choice].toUpperCase()}</span>
      </p>
      <Community ctx={ctx} />
      <form method="post" action={action} className="actions">
        <ChoiceButton choice={other(choice)} label={`Change my vote to ${WORD[other(choice)].toLowerCase()}`} />
        <a href={`/issues/${ctx.week}`}>Back to the issue</a>
      </form>
    </MessagePage>
  );
}

export const VoteProblemPage = linkProblemPage(
  {
    invalid: ['This vote link does not work', 'The link is incomplete or was changed on the way. Use the ship it or skip it button in the email itself.'],
    expired: ['Voting on this comparison has closed', 'Vote links work for 60 days after an issue goes out. The newest issue has fresh ones.'],
    gone: ['This vote link is no longer valid', 'It belongs to a subscription or a comparison that no longer exists.'],
  },
  BROWSE_ARCHIVE,
);
