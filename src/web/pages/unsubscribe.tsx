// Unsubscribe: a GET shows one button (link scanners prefetch GETs, so a GET never unsubscribes);
// the button's POST, or a mailbox provider's one-click POST, unsubscribes at once.
import { maskEmail, type Site } from './layout.js';
import { MessagePage, PostButton } from './messages.js';
import type { ReaderStatus } from '../../subscribers/unsubscribe.js';

export function UnsubscribePage({ site, action, email, status }: { site: Site; action: string; email: string; status: ReaderStatus }) {
  if (status === 'unsubscribed' || status === 'bounced' || status === 'complained') return <UnsubscribedPage site={site} email={email} already />;
  return (
    <MessagePage site={site} title="Unsubscribe from Weekly AI Tool Verdicts?" tone="info" noindex>
      <p className="lede">
        {'No more issues will be sent to '}
        <strong>{maskEmail(email)}</strong>
        {'. One click, no questions.'}
      </p>
      <PostButton action={action} label="Unsubscribe">
        <a href="/issues">Keep reading instead</a>
      </PostButton>
    </MessagePage>
  );
}

/** `preferencesUrl`: after a reader unsubscribed, the way back with fewer topics (only with a click there). */
export function UnsubscribedPage({ site, email, already, preferencesUrl }: { site: Site; email: string | null; already?: boolean; preferencesUrl?: string }) {
  return (
    <MessagePage site={site} title={already ? 'You are unsubscribed' : 'You have been unsubscribed'} tone="ok" noindex>
      <p className="lede">
        {email ? (
          <>
            <strong>{maskEmail(email)}</strong>
            {' will get no more issues from us.'}
          </>
        ) : (
          'This address is not on our list any more: it will get no more issues from us.'
        )}
      </p>
      {preferencesUrl && (
        <p>
          {'Too much in your inbox? You can '}
          <a href={preferencesUrl}>choose fewer topics and come back</a>
          {'. You stay unsubscribed unless you do.'}
        </p>
      )}
      <p>
        Changed your mind? <a href="/#subscribe">Subscribe again</a>; we will email you a link to confirm first. Past issues
        stay in the <a href="/issues">archive</a>.
      </p>
    </MessagePage>
  );
}

export function UnsubscribeInvalidPage({ site }: { site: Site }) {
  return (
    <MessagePage site={site} title="This unsubscribe link does not work" tone="error" noindex>
      <p>
        The link is incomplete or was changed on the way, so we cannot tell whose subscription it is. Copy the whole link
        from the email, or use the unsubscribe link at the bottom of any issue: it works with one click.
      </p>
    </MessagePage>
  );
}
