// The fake provider's own tests drive it through the real resend SDK: a fresh fake and a client on it.
import { Resend } from 'resend';
import { startFakeResend, type FakeResend } from './fake-resend.js';

/** The sender those tests put on their messages. */
export const TEST_FROM = 'Weekly AI Tool Verdicts <verdicts@example.test>';

/** A fresh fake provider (close it after the test) and the real SDK pointed at it. */
export async function fakeWithClient(): Promise<{ fake: FakeResend; resend: Resend }> {
  const fake = await startFakeResend();
  return { fake, resend: new Resend('re_test_key', { baseUrl: fake.url }) };
}
