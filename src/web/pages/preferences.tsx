// A reader's topics: one labelled checkbox per category in a plain form (no script), and the pages for a
// link that does not work. After unsubscribing the same form offers to come back with fewer topics; the
// reader stays unsubscribed unless they press that button.
import type { ReaderTopics } from '../../subscribers/preferences.js';
import { maskEmail, type Site } from './layout.js';
import { MessagePage } from './messages.js';

export interface PreferencesPageProps {
  site: Site;
  action: string;
  reader: ReaderTopics;
  /** The choice just refused, shown again as the reader made it, with the reason. */
  error?: string;
  chosen?: string[];
  saved?: boolean;
}

export function PreferencesPage({ site, action, reader, error, chosen, saved }: PreferencesPageProps) {
  const away = reader.status === 'unsubscribed';
  const isChosen = (name: string) => (chosen ? chosen.includes(name) : reader.categories.find((c) => c.name === name)?.chosen);
  return (
    <MessagePage site={site} title={away ? 'Come back with fewer topics?' : 'Your topics'} tone={saved ? 'ok' : 'info'} eyebrow="Preferences" noindex>
      {saved && (
        <p className="lede" role="status">
          Saved: your topics are the ones ticked below.
        </p>
      )}
      <p>
        {away ? (
          <>
            <strong>{maskEmail(reader.email)}</strong>
            {' is unsubscribed and gets no more issues. If it was too much, you can choose only the topics you want and come back: nothing changes unless you press the button.'}
          </>
        ) : (
          <>
            {'Choose the categories '}
            <strong>{maskEmail(reader.email)}</strong>
            {' wants to read about.'}
          </>
        )}
      </p>
      {error && (
        <div className="error-summary" role="alert" id="topics-error">
          <h2>Nothing was saved</h2>
          <p>{error}</p>
        </div>
      )}
      <form method="post" action={action}>
        <fieldset className="field" aria-describedby={error ? 'topics-error' : undefined}>
          <legend>Topics</legend>
          {reader.categories.map((c, i) => (
            <label key={c.name} htmlFor={`topic-${i}`} className="choice-row">
              <input type="checkbox" id={`topic-${i}`} name="topic" value={c.name} defaultChecked={isChosen(c.name)} /> {c.name}
            </label>
          ))}
        </fieldset>
        {away && <input type="hidden" name="resubscribe" value="yes" />}
        <div className="actions">
          <button className="btn" type="submit">
            {away ? 'Resubscribe with these topics' : 'Save my topics'}
          </button>
          <a href="/issues">{away ? 'No thanks, stay unsubscribed' : 'Back to the archive'}</a>
        </div>
      </form>
    </MessagePage>
  );
}

export function PreferencesInvalidPage({ site, reason }: { site: Site; reason: 'invalid' | 'expired' | 'gone' }) {
  const title = reason === 'expired' ? 'This preferences link has expired' : 'This preferences link does not work';
  const why =
    reason === 'expired'
      ? 'Preferences links work for a year. Every issue has a fresh one at the bottom: use the link in the latest issue.'
      : reason === 'gone'
        ? 'This address is not on our list any more, so there is nothing to choose. You can subscribe again from the home page.'
        : 'The link is incomplete or was changed on the way, so we cannot tell whose preferences these are. Copy the whole link from the email, or use the one at the bottom of any issue.';
  return (
    <MessagePage site={site} title={title} tone="error" noindex>
      <p>{why}</p>
    </MessagePage>
  );
}
