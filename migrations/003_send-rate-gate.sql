-- Up Migration

-- The shared send-rate gate when no Redis is configured: one row per gate holding its
-- "theoretical arrival time" (GCRA). Every sender process reserves its slot by updating this row.
CREATE TABLE send_rate_gate (
  name text PRIMARY KEY,
  tat  timestamptz NOT NULL
);
