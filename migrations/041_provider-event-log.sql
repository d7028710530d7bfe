-- Up Migration

-- Every verified provider event, as received: append-only, one partition per month of arrival, so old
-- months leave by DETACH + DROP (src/subscribers/event-partitions.ts creates the months ahead). No
-- addresses: an event names the provider's email id, which the ledger maps to a delivery.
CREATE TABLE provider_event_log (
  received_at timestamptz NOT NULL DEFAULT now(),
  webhook_id  text NOT NULL,
  type        text NOT NULL,
  occurred_at timestamptz NOT NULL,
  email_id    text,
  bounce_type text
) PARTITION BY RANGE (received_at);
-- A month nobody created ahead of time still takes its events.
CREATE TABLE provider_event_log_default PARTITION OF provider_event_log DEFAULT;
-- This month and the next three; the rollup's upkeep keeps three months ahead from then on.
DO $$
DECLARE
  m date;
BEGIN
  FOR i IN 0..3 LOOP
    m := (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i))::date;
    EXECUTE format('CREATE TABLE %I PARTITION OF provider_event_log FOR VALUES FROM (%L) TO (%L)',
      'provider_event_log_y' || to_char(m, 'YYYY') || 'm' || to_char(m, 'MM'), m::timestamp AT TIME ZONE 'UTC', (m + interval '1 month')::timestamp AT TIME ZONE 'UTC');
  END LOOP;
END $$;

-- The events still to be rolled up into their delivery rows and the issue's figures (src/subscribers/
-- event-rollup.ts). An event whose email id no ledger row carries yet (the provider was faster than the
-- sender's "mark sent", or the sender died in between) is parked: retried at next_try_at, its wait
-- doubling up to a few minutes, and dropped (and counted) once it is older than the parking limit.
--   suppress_status/reason  a bounce or complaint whose reader was not found when it arrived: applied
--                           when the event matches
CREATE TABLE provider_event_inbox (
  seq             bigserial PRIMARY KEY,
  webhook_id      text NOT NULL,
  kind            text NOT NULL,
  occurred_at     timestamptz NOT NULL,
  email_id        text NOT NULL,
  suppress_status text,
  suppress_reason text,
  received_at     timestamptz NOT NULL DEFAULT now(),
  parked_at       timestamptz,
  next_try_at     timestamptz
);
CREATE INDEX provider_event_inbox_fresh_idx ON provider_event_inbox (seq) WHERE parked_at IS NULL;
CREATE INDEX provider_event_inbox_parked_idx ON provider_event_inbox (next_try_at) WHERE parked_at IS NOT NULL;
-- The sender's "mark sent" wakes the parked events of the ids it just recorded (src/delivery/ledger.ts).
CREATE INDEX provider_event_inbox_waiting_idx ON provider_event_inbox (email_id) WHERE parked_at IS NOT NULL;

-- Webhook ids are remembered for the provider's retry window only (expired by the rollup's upkeep).
CREATE INDEX provider_events_received_idx ON provider_events (received_at);
