-- Up Migration

-- The send-rate gate's departure check now keeps its window in the gate's own row (src/delivery/rate-gate.ts):
-- the row every reservation makes before it, so concurrent first senders always find a row to lock. The rows
-- of the old separate check (name ':departures') are read by nothing any more.
DELETE FROM send_rate_gate WHERE name LIKE '%:departures';
