// "Still want this?": the keep link's pages. The GET shows what the button does and changes nothing (mail
// scanners open links); the POST keeps the reader (or makes an inactive one active again).
import type { KeepState } from '../../subscribers/sunset.js';
import type { Site } from './layout.js';
import { BROWSE_ARCHIVE, linkProblemPage, LinkActions, MessagePage, PostButton, SIGNUP_PAGE } from './messages.js';

export function KeepPage({ site, action, state }: { site: Site; action: string; state: Exclude<KeepState, 'gone'> }) {
  const lede =
    state === 'inactive'
      ? 'We stopped sending you the weekly issue because we had not heard from you. One click and it comes again, from the next issue on.'
      : state === 'asked'
        ? 'We asked whether you still want the weekly issue. One click and it keeps coming; nothing changes until you press the button.'
        : 'You are subscribed and nothing needs doing. Press the button anyway to tell us you still read it.';
  return (
    <MessagePage site={site} title={state === 'inactive' ? 'Start the weekly issue again?' : 'Keep the weekly issue coming?'} tone="info" noindex>
      <p className="lede">{lede}</p>
      <PostButton action={action} label="Yes, keep sending it">
        <a href="/issues">No thanks, just browse the archive</a>
      </PostButton>
    </MessagePage>
  );
}

export function KeptPage({ site, reactivated }: { site: Site; reactivated: boolean }) {
  return (
    <MessagePage site={site} title={reactivated ? 'Welcome back' : 'Thanks, you stay subscribed'} tone="ok" noindex>
      <p>{reactivated ? 'The weekly issue comes to you again, from the next one on.' : 'The weekly issue keeps coming. We will not ask again unless you go quiet for a long while.'}</p>
      <LinkActions links={[BROWSE_ARCHIVE]} />
    </MessagePage>
  );
}

export const KeepProblemPage = linkProblemPage(
  {
    invalid: ['This link does not work', 'The link is incomplete or was changed on the way. Use the button in the email itself.'],
    expired: ['This link has expired', 'Keep links work for 180 days. To get the weekly issue again, sign up with your address: one confirmation click and you are back.'],
    gone: ['This link is no longer valid', 'It belongs to a subscription that was ended (unsubscribed, or the address stopped accepting mail) or erased. To get the weekly issue again, sign up with your address.'],
  },
  SIGNUP_PAGE,
);
