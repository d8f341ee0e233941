-- The due rows of ended deliveries are deleted through DeliveryDue's primary key, always (issue 18).
-- The trigger msr_delivery_due_updated deletes them with id = ANY of an array, in a plan PL/pgSQL
-- makes once per session and keeps until the table is analyzed again. Once DeliveryDue was analyzed
-- while empty (after a burst, its pages there and its rows ended), that plan read the whole
-- (nextAttemptAt, id) index once per deleted row, id being its second column: in a throughput run
-- at fan-out 10, 5.7 s of PostgreSQL time for 22,000 deliveries, about 260 microseconds each and
-- three fifths of all PostgreSQL did (docs/benchmarks.md, The due rows of ended deliveries).
-- The index now holds only rows with a next attempt, which every reader of it asks for (the
-- reconciler and the owner backlog look for due rows by a range of nextAttemptAt), and no open
-- delivery lacks. A statement that does not say nextAttemptAt IS NOT NULL cannot use a partial
-- index, so a lookup by id has the primary key alone, whatever the statistics say.
-- (No semicolons or quotes in these comments: the schema engine splits the script on them.)

-- DropIndex
DROP INDEX "DeliveryDue_nextAttemptAt_id_idx";

-- CreateIndex
CREATE INDEX "DeliveryDue_nextAttemptAt_id_idx" ON "DeliveryDue"("nextAttemptAt", "id") WHERE "nextAttemptAt" IS NOT NULL;
