-- Deliveries without their insert trigger (after 20261207220000_attempt_unique_by_delivery_row).
-- The trigger kept (eventId, webhookId) unique across the day partitions of Delivery with an
-- advisory lock and a probe of that index in every partition, for every delivery written. The one
-- writer of deliveries (the fan-out, fanout.repository.ts writeDeliveriesSql) now keeps it unique
-- itself: it inserts the rows of an event only in the statement that marks it fanned out, and only
-- for events it found still pending. A second fan-out of the event waits for the event row lock,
-- then finds it marked and inserts nothing (docs/benchmarks.md, the delivery log inserts without
-- probes of every partition).
DROP TRIGGER IF EXISTS "Delivery_unique_and_event" ON "Delivery";
DROP FUNCTION IF EXISTS "msr_delivery_before_insert"();
