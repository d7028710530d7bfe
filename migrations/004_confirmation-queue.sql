-- Up Migration

-- Confirmation emails leave the signup request: the request only records that the reader asked, and a
-- queue job sends what is owed, up to 100 readers per provider request (src/subscribers/confirmation-sender.ts).
--   confirm_requested_at  the reader asked and is owed a confirmation email; cleared once the provider
--                         accepted it (or refused it for good)
--   confirm_claim         the label of the provider request that carries it: rows claimed together share
--                         it. Set in the same statement that claims them, before the request is made, so a
--                         worker that dies mid-request leaves a claim the job's retry sends again
--   confirm_claimed_at    the claim time: with the claimed ids it fixes the idempotency key, the link's
--                         expiry and so the bodies, and a replayed request is byte-identical
-- confirm_sent_at keeps its meaning (the claim time of the last accepted confirmation: the ten-minute clock).
ALTER TABLE subscribers
  ADD COLUMN confirm_requested_at timestamptz,
  ADD COLUMN confirm_claim text,
  ADD COLUMN confirm_claimed_at timestamptz;

-- The job's claim and the sweeper walk only readers who are owed an email: a handful among millions.
CREATE INDEX subscribers_confirm_requested_idx ON subscribers (confirm_requested_at, id) WHERE confirm_requested_at IS NOT NULL;
CREATE INDEX subscribers_confirm_claim_idx ON subscribers (confirm_claim) WHERE confirm_claim IS NOT NULL;
