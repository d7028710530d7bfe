-- Up Migration

-- The welcome email, owed once a reader confirms, sent by the confirmation job with the same claim-first
-- mechanism as confirmations (src/subscribers/confirmation-sender.ts):
--   welcome_owed_at     the reader confirmed and is owed the welcome; cleared once the provider accepted
--                       it (or refused it for good)
--   welcome_claim       the label of the provider request that carries it, set before the request is made
--   welcome_claimed_at  the claim time: with the claimed ids it fixes the idempotency key and the bodies
--   welcome_sent_at     when it was accepted: a reader who confirms again (after leaving) is not welcomed twice
ALTER TABLE subscribers
  ADD COLUMN welcome_owed_at timestamptz,
  ADD COLUMN welcome_claim text,
  ADD COLUMN welcome_claimed_at timestamptz,
  ADD COLUMN welcome_sent_at timestamptz;

CREATE INDEX subscribers_welcome_owed_idx ON subscribers (welcome_owed_at, id) WHERE welcome_owed_at IS NOT NULL;
CREATE INDEX subscribers_welcome_claim_idx ON subscribers (welcome_claim) WHERE welcome_claim IS NOT NULL;
