-- Up Migration

-- Sunset: readers who showed no sign of life (a click, a vote, the keep link; opens do not count, see the
-- README) in the last SUNSET_AFTER_ISSUES issues they received are asked once "still want this?"; without
-- an answer within 2 more issues they become 'inactive' (not sent to; back with the keep link or by
-- signing up again). Everything here lives on the reader's row, so pruning the ledger loses none of it.
--   last_active_at      the reader's latest click (provider event), vote, keep or confirmation
--   idle_issues         issues received (a 'sent' delivery) that started after last_active_at; counted
--                       once per issue when the issue is tallied (src/subscribers/sunset.ts)
--   sunset_owed_at      the sunset run decided to ask; cleared once the email is accepted (or refused)
--   sunset_claim, sunset_claimed_at   the claim-first mechanism of owed mail (src/subscribers/owed-mail.ts)
--   sunset_asked_at     the ask was accepted by the provider (its claim time); cleared by any activity
--   issues_since_asked  issues received that started after sunset_asked_at
--   inactive_at         when the reader was made inactive
ALTER TABLE subscribers DROP CONSTRAINT subscribers_status_check;
ALTER TABLE subscribers ADD CONSTRAINT subscribers_status_check
  CHECK (status IN ('pending', 'active', 'unsubscribed', 'bounced', 'complained', 'inactive'));
ALTER TABLE subscribers
  ADD COLUMN last_active_at timestamptz,
  ADD COLUMN idle_issues integer NOT NULL DEFAULT 0,
  ADD COLUMN sunset_owed_at timestamptz,
  ADD COLUMN sunset_claim text,
  ADD COLUMN sunset_claimed_at timestamptz,
  ADD COLUMN sunset_asked_at timestamptz,
  ADD COLUMN issues_since_asked integer NOT NULL DEFAULT 0,
  ADD COLUMN inactive_at timestamptz;

CREATE INDEX subscribers_sunset_owed_idx ON subscribers (sunset_owed_at, id) WHERE sunset_owed_at IS NOT NULL;
CREATE INDEX subscribers_sunset_claim_idx ON subscribers (sunset_claim) WHERE sunset_claim IS NOT NULL;
CREATE INDEX subscribers_inactive_idx ON subscribers (id) WHERE status = 'inactive';

-- An issue's receipts are added to its readers' idle counts once (sunset runs, or the prune just before its
-- rows leave), a chunk of readers per transaction: sunset_tally_upto is the last reader id counted.
ALTER TABLE issues ADD COLUMN sunset_tallied_at timestamptz, ADD COLUMN sunset_tally_upto bigint NOT NULL DEFAULT 0;

-- What the ledger still holds: the latest click or vote of each reader, and the issues received since.
UPDATE subscribers s SET last_active_at = a.at
FROM (
  SELECT subscriber_id, max(at) AS at FROM (
    SELECT subscriber_id, greatest(updated_at, created_at) AS at FROM votes
    UNION ALL
    SELECT subscriber_id, (events -> 'clicked' ->> 'last_at')::timestamptz FROM deliveries WHERE events ? 'clicked'
  ) x GROUP BY subscriber_id
) a WHERE s.id = a.subscriber_id;
UPDATE subscribers s SET last_active_at = greatest(s.last_active_at, s.consent_at) WHERE s.consent_at IS NOT NULL;
UPDATE subscribers s SET idle_issues = r.n
FROM (
  SELECT d.subscriber_id, count(*)::int AS n
  FROM deliveries d JOIN issues i ON i.id = d.issue_id JOIN subscribers s2 ON s2.id = d.subscriber_id
  WHERE i.state = 'sent' AND d.state = 'sent' AND (s2.last_active_at IS NULL OR i.send_started_at > s2.last_active_at)
  GROUP BY d.subscriber_id
) r WHERE s.id = r.subscriber_id;
UPDATE issues SET sunset_tallied_at = now() WHERE state = 'sent';
