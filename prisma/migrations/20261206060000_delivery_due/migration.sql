-- Updates of a delivery become HOT (heap-only: no new entry in any index), issue 21.
-- An attempt, a retry, a park or a redeliver updates status and nextAttemptAt, and both were in the
-- index Delivery(status, nextAttemptAt), so no update of a delivery could be HOT: each one wrote a
-- new entry into every index of the day partition, and the vacuums of that partition read indexes
-- four times the size of its heap (docs/benchmarks.md, the fourth soak, with the p99 spikes there).
-- What that index answered (which deliveries are open, and when they are due) moves to DeliveryDue:
-- one row per open delivery (pending or retrying), kept by triggers on Delivery in the same
-- statement, so no writer of Delivery has to know about it. It stays as small as the open work.
-- Delivery keeps no index on a column that an attempt updates, and its day partitions leave two
-- fifths of each page free (fillfactor 60) so that the new version of a row fits beside the old one
-- (in bench/ 91 percent of the updates were HOT at 60, 67 at 80 and 40 at 100).
-- (No semicolons or quotes in these comments: the schema engine splits the script on them, so the
-- function body writes a semicolon as the escape 073.)

-- CreateTable
CREATE TABLE "DeliveryDue" (
    "id" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(6) NOT NULL,
    "status" TEXT NOT NULL,
    "nextAttemptAt" TIMESTAMPTZ(6),

    CONSTRAINT "DeliveryDue_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "DeliveryDue_nextAttemptAt_id_idx" ON "DeliveryDue"("nextAttemptAt", "id");

-- The open deliveries, kept by the triggers below: one call per statement over the rows it wrote
-- (transition tables), because a row trigger cost PostgreSQL about twice as much per delivery
-- (20,000 inserts and updates in batches of 100 on this machine: 520-860 ms and 690-740 ms with
-- row triggers, 370-540 ms and 600 ms with these, 270 ms and 560-640 ms with the old index and
-- no due rows). A statement in a function is planned once per session and its plan kept: planned
-- while DeliveryDue is a page or two, a lookup by id would keep a sequential scan for good while
-- the rows deleted as deliveries end grow the table between vacuums (2,000 deliveries ended one by
-- one took 4.1 s that way, 0.2 s with the index), so these functions plan without sequential scans,
-- and the rows to delete are looked up by id (= ANY of an array), not joined: a join planned that
-- way read the whole primary key index of the table at every statement (fan-out 10 in bench/ fell
-- from about 1,100 to 320 deliveries/s).
CREATE FUNCTION "msr_delivery_due_inserted"() RETURNS trigger LANGUAGE plpgsql SET enable_seqscan = off AS E'
BEGIN
  INSERT INTO "DeliveryDue" (id, "createdAt", status, "nextAttemptAt")
  SELECT n.id, n."createdAt", n.status, n."nextAttemptAt" FROM inserted AS n WHERE n.status IN (''pending'', ''retrying'')
  ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, "nextAttemptAt" = EXCLUDED."nextAttemptAt"\073
  RETURN NULL\073
END';

CREATE FUNCTION "msr_delivery_due_updated"() RETURNS trigger LANGUAGE plpgsql SET enable_seqscan = off AS E'
BEGIN
  INSERT INTO "DeliveryDue" (id, "createdAt", status, "nextAttemptAt")
  SELECT n.id, n."createdAt", n.status, n."nextAttemptAt" FROM updated AS n WHERE n.status IN (''pending'', ''retrying'')
  ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, "nextAttemptAt" = EXCLUDED."nextAttemptAt"
   WHERE ("DeliveryDue".status, "DeliveryDue"."nextAttemptAt") IS DISTINCT FROM (EXCLUDED.status, EXCLUDED."nextAttemptAt")\073
  DELETE FROM "DeliveryDue" WHERE id = ANY (ARRAY(SELECT n.id FROM updated AS n WHERE n.status NOT IN (''pending'', ''retrying'')))\073
  RETURN NULL\073
END';

CREATE TRIGGER "Delivery_due_insert" AFTER INSERT ON "Delivery"
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION "msr_delivery_due_inserted"();
CREATE TRIGGER "Delivery_due_update" AFTER UPDATE ON "Delivery"
  REFERENCING NEW TABLE AS updated FOR EACH STATEMENT EXECUTE FUNCTION "msr_delivery_due_updated"();

-- A deleted delivery (its webhook or its event deleted, or the purge) takes its attempts and its due row.
CREATE OR REPLACE FUNCTION "msr_delivery_after_delete"() RETURNS trigger LANGUAGE plpgsql SET enable_seqscan = off AS E'
BEGIN
  DELETE FROM "DeliveryAttempt" WHERE "deliveryId" = OLD.id\073
  IF OLD.status IN (''pending'', ''retrying'') THEN
    DELETE FROM "DeliveryDue" WHERE id = OLD.id\073
  END IF\073
  RETURN NULL\073
END';

-- Backfill
INSERT INTO "DeliveryDue" (id, "createdAt", status, "nextAttemptAt")
SELECT id, "createdAt", status, "nextAttemptAt" FROM "Delivery" WHERE status IN ('pending', 'retrying');

-- DropIndex
DROP INDEX "Delivery_status_nextAttemptAt_idx";

-- Room for HOT updates in every Delivery partition there is (rows written from now on). The worker
-- creates the next ones with the same setting (apps/worker/src/maintenance/partitions.ts).
DO E'
DECLARE
  p record\073
BEGIN
  FOR p IN SELECT c.relname FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
            WHERE i.inhparent = ''"Delivery"''::regclass LOOP
    EXECUTE format(''ALTER TABLE %I SET (fillfactor = 60)'', p.relname)\073
  END LOOP\073
END';

ANALYZE "DeliveryDue";
