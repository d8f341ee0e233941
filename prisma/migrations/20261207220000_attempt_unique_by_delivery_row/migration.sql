-- The attempt log without its insert trigger (after 20261205111000_partition_insert_checks).
-- The trigger kept (deliveryId, number) unique across the day partitions of DeliveryAttempt with an
-- advisory lock and a probe of that index in every partition, for every attempt written. The one
-- writer of attempts (the worker, DeliveryRepository.recordMany) now keeps it unique itself: it
-- updates the delivery row first, only where the row counts fewer attempts than the one recorded, and
-- inserts the attempts of the rows it updated. The row lock serializes two writers of one attempt,
-- and the second finds the count moved (docs/benchmarks.md, the delivery log inserts without
-- probes of every partition).
DROP TRIGGER IF EXISTS "DeliveryAttempt_unique_and_delivery" ON "DeliveryAttempt";
DROP FUNCTION IF EXISTS "msr_attempt_before_insert"();
