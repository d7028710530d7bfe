-- Up Migration

-- The send-rate gate's departure check keeps the times the last SEND_RATE requests left (newest first), so a
-- request waits until the one SEND_RATE before it left a window ago: the provider's sliding window, matched
-- exactly, instead of a fixed spacing between consecutive requests (src/delivery/rate-gate.ts).
ALTER TABLE send_rate_gate ADD COLUMN departures timestamptz[] NOT NULL DEFAULT '{}';
