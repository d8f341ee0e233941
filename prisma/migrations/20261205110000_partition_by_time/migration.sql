-- Events, deliveries and attempts partitioned by time (issue 17): RANGE on receivedAt, createdAt and
-- startedAt, one partition per UTC day named like Event_p20261205, plus a default partition for rows
-- outside every range. The worker creates partitions ahead and the retention purge drops whole
-- partitions (apps/worker/src/maintenance/partitions.ts). Existing rows are copied, none lost.
--
-- A unique index on a partitioned table must hold the partition key, so the primary keys become
-- (id, receivedAt), (id, createdAt) and (id, startedAt), and producerId, (eventId, webhookId) and
-- (deliveryId, number) get plain indexes. Their uniqueness across partitions is kept by a BEFORE
-- INSERT trigger per table that skips a row whose key is already stored (what ON CONFLICT DO NOTHING
-- did before, and every insert of these rows is ON CONFLICT DO NOTHING), serialized per key by a
-- transaction advisory lock (per producer id or event id, per event, per delivery) so concurrent
-- inserts cannot both pass. A foreign key to a partitioned table must name its whole primary key,
-- which Delivery and DeliveryAttempt do not hold (the event time, the delivery time): the same
-- triggers check that the event or the delivery exists and lock it FOR KEY SHARE as a foreign key
-- would, and AFTER DELETE triggers cascade Event to Delivery and Delivery to DeliveryAttempt. The
-- foreign key from Delivery to Webhook stays declared (Webhook is not partitioned), so deleting a
-- webhook still deletes its deliveries and, through the trigger, their attempts.
-- (No semicolons or quotes in these comments: the schema engine splits the script on every
-- semicolon, even inside strings, so the function bodies below write it as the escape 073.)

-- The old tables step aside: their foreign keys and secondary indexes go, their keys are renamed.
ALTER TABLE "DeliveryAttempt" DROP CONSTRAINT "DeliveryAttempt_deliveryId_fkey";
ALTER TABLE "Delivery" DROP CONSTRAINT "Delivery_eventId_fkey";
ALTER TABLE "Delivery" DROP CONSTRAINT "Delivery_webhookId_fkey";
DROP INDEX "Event_producerId_key";
DROP INDEX "Event_status_receivedAt_idx";
DROP INDEX "Event_receivedAt_idx";
DROP INDEX "Delivery_webhookId_createdAt_id_idx";
DROP INDEX "Delivery_webhookId_updatedAt_idx";
DROP INDEX "Delivery_status_nextAttemptAt_idx";
DROP INDEX "Delivery_createdAt_idx";
DROP INDEX "Delivery_eventId_webhookId_key";
DROP INDEX "DeliveryAttempt_startedAt_idx";
DROP INDEX "DeliveryAttempt_deliveryId_number_key";
ALTER TABLE "Event" RENAME CONSTRAINT "Event_pkey" TO "Event_unpartitioned_pkey";
ALTER TABLE "Delivery" RENAME CONSTRAINT "Delivery_pkey" TO "Delivery_unpartitioned_pkey";
ALTER TABLE "DeliveryAttempt" RENAME CONSTRAINT "DeliveryAttempt_pkey" TO "DeliveryAttempt_unpartitioned_pkey";
ALTER TABLE "Event" RENAME TO "Event_unpartitioned";
ALTER TABLE "Delivery" RENAME TO "Delivery_unpartitioned";
ALTER TABLE "DeliveryAttempt" RENAME TO "DeliveryAttempt_unpartitioned";

-- CreateTable (the same columns, in the same order)
CREATE TABLE "Event" (
    "id" UUID NOT NULL,
    "producerId" TEXT,
    "type" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(6) NOT NULL,
    "receivedAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "contents" JSON NOT NULL,
    "location" TEXT,
    "namespace" TEXT NOT NULL DEFAULT '',
    "repository" TEXT NOT NULL DEFAULT '',
    "status" TEXT NOT NULL DEFAULT 'pending',
    "reason" TEXT,
    "fannedOutAt" TIMESTAMPTZ(6),
    "createdAtText" TEXT,

    CONSTRAINT "Event_pkey" PRIMARY KEY ("id", "receivedAt")
) PARTITION BY RANGE ("receivedAt");

CREATE TABLE "Delivery" (
    "id" UUID NOT NULL,
    "eventId" UUID NOT NULL,
    "webhookId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "reason" TEXT,
    "attemptCount" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMPTZ(6),
    "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Delivery_pkey" PRIMARY KEY ("id", "createdAt")
) PARTITION BY RANGE ("createdAt");

CREATE TABLE "DeliveryAttempt" (
    "id" UUID NOT NULL,
    "deliveryId" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "trigger" TEXT NOT NULL DEFAULT 'scheduled',
    "startedAt" TIMESTAMPTZ(6) NOT NULL,
    "durationMs" INTEGER NOT NULL,
    "statusCode" INTEGER,
    "responseHeaders" JSONB NOT NULL DEFAULT '{}',
    "responseBody" TEXT NOT NULL DEFAULT '',
    "errorKind" TEXT,
    "errorMessage" TEXT,
    "nextAttemptAt" TIMESTAMPTZ(6),

    CONSTRAINT "DeliveryAttempt_pkey" PRIMARY KEY ("id", "startedAt")
) PARTITION BY RANGE ("startedAt");

CREATE TABLE "Event_default" PARTITION OF "Event" DEFAULT;
CREATE TABLE "Delivery_default" PARTITION OF "Delivery" DEFAULT;
CREATE TABLE "DeliveryAttempt_default" PARTITION OF "DeliveryAttempt" DEFAULT;

-- One partition per UTC day that holds rows, and for today and the next seven days (the worker
-- keeps creating them ahead from here on).
DO E'
DECLARE
  t record\073
  d date\073
BEGIN
  FOR t IN SELECT * FROM (VALUES (''Event'', ''receivedAt''), (''Delivery'', ''createdAt''), (''DeliveryAttempt'', ''startedAt'')) AS v(tbl, col) LOOP
    FOR d IN EXECUTE format(
      ''SELECT DISTINCT (%I AT TIME ZONE ''''UTC'''')::date FROM %I UNION SELECT (now() AT TIME ZONE ''''UTC'''')::date + i FROM generate_series(0, 7) AS i ORDER BY 1'',
      t.col, t.tbl || ''_unpartitioned'')
    LOOP
      EXECUTE format(''CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)'',
        t.tbl || ''_p'' || to_char(d, ''YYYYMMDD''), t.tbl, d::timestamp AT TIME ZONE ''UTC'', (d + 1)::timestamp AT TIME ZONE ''UTC'')\073
    END LOOP\073
  END LOOP\073
END';

-- Every row, copied (before the indexes and triggers, so the copy is one pass per table).
INSERT INTO "Event" ("id", "producerId", "type", "source", "createdAt", "receivedAt", "contents", "location", "namespace",
                     "repository", "status", "reason", "fannedOutAt", "createdAtText")
SELECT "id", "producerId", "type", "source", "createdAt", "receivedAt", "contents", "location", "namespace",
       "repository", "status", "reason", "fannedOutAt", "createdAtText"
  FROM "Event_unpartitioned";

INSERT INTO "Delivery" ("id", "eventId", "webhookId", "status", "reason", "attemptCount", "nextAttemptAt", "createdAt", "updatedAt")
SELECT "id", "eventId", "webhookId", "status", "reason", "attemptCount", "nextAttemptAt", "createdAt", "updatedAt"
  FROM "Delivery_unpartitioned";

INSERT INTO "DeliveryAttempt" ("id", "deliveryId", "number", "trigger", "startedAt", "durationMs", "statusCode", "responseHeaders",
                               "responseBody", "errorKind", "errorMessage", "nextAttemptAt")
SELECT "id", "deliveryId", "number", "trigger", "startedAt", "durationMs", "statusCode", "responseHeaders",
       "responseBody", "errorKind", "errorMessage", "nextAttemptAt"
  FROM "DeliveryAttempt_unpartitioned";

DROP TABLE "DeliveryAttempt_unpartitioned";
DROP TABLE "Delivery_unpartitioned";
DROP TABLE "Event_unpartitioned";

-- CreateIndex (the former unique keys as plain indexes: the triggers below keep them unique)
CREATE INDEX "Event_producerId_idx" ON "Event"("producerId");
CREATE INDEX "Event_status_receivedAt_idx" ON "Event"("status", "receivedAt");
CREATE INDEX "Event_receivedAt_idx" ON "Event"("receivedAt");
CREATE INDEX "Delivery_eventId_webhookId_idx" ON "Delivery"("eventId", "webhookId");
CREATE INDEX "Delivery_webhookId_createdAt_id_idx" ON "Delivery"("webhookId", "createdAt" DESC, "id" DESC);
CREATE INDEX "Delivery_webhookId_updatedAt_idx" ON "Delivery"("webhookId", "updatedAt");
CREATE INDEX "Delivery_status_nextAttemptAt_idx" ON "Delivery"("status", "nextAttemptAt");
CREATE INDEX "Delivery_createdAt_idx" ON "Delivery"("createdAt");
CREATE INDEX "DeliveryAttempt_deliveryId_number_idx" ON "DeliveryAttempt"("deliveryId", "number");
CREATE INDEX "DeliveryAttempt_startedAt_idx" ON "DeliveryAttempt"("startedAt");

-- AddForeignKey
ALTER TABLE "Delivery" ADD CONSTRAINT "Delivery_webhookId_fkey" FOREIGN KEY ("webhookId") REFERENCES "Webhook"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Uniqueness across partitions and the foreign keys to partitioned tables (see the top of this file).
CREATE FUNCTION "msr_event_before_insert"() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended(''Event/'' || COALESCE(NEW."producerId", NEW.id::text), 0))\073
  IF EXISTS (SELECT 1 FROM "Event" AS e WHERE e.id = NEW.id OR (NEW."producerId" IS NOT NULL AND e."producerId" = NEW."producerId")) THEN
    RETURN NULL\073
  END IF\073
  RETURN NEW\073
END';

CREATE FUNCTION "msr_delivery_before_insert"() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended(''Delivery/'' || NEW."eventId"::text, 0))\073
  IF EXISTS (SELECT 1 FROM "Delivery" AS d WHERE d.id = NEW.id OR (d."eventId" = NEW."eventId" AND d."webhookId" = NEW."webhookId")) THEN
    RETURN NULL\073
  END IF\073
  PERFORM 1 FROM "Event" AS e WHERE e.id = NEW."eventId" FOR KEY SHARE\073
  IF NOT FOUND THEN
    RAISE foreign_key_violation USING MESSAGE = format(''insert into Delivery: event %s does not exist'', NEW."eventId")\073
  END IF\073
  RETURN NEW\073
END';

CREATE FUNCTION "msr_attempt_before_insert"() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended(''DeliveryAttempt/'' || NEW."deliveryId"::text, 0))\073
  IF EXISTS (SELECT 1 FROM "DeliveryAttempt" AS a WHERE a.id = NEW.id OR (a."deliveryId" = NEW."deliveryId" AND a.number = NEW.number)) THEN
    RETURN NULL\073
  END IF\073
  PERFORM 1 FROM "Delivery" AS d WHERE d.id = NEW."deliveryId" FOR KEY SHARE\073
  IF NOT FOUND THEN
    RAISE foreign_key_violation USING MESSAGE = format(''insert into DeliveryAttempt: delivery %s does not exist'', NEW."deliveryId")\073
  END IF\073
  RETURN NEW\073
END';

CREATE FUNCTION "msr_event_after_delete"() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  DELETE FROM "Delivery" WHERE "eventId" = OLD.id\073
  RETURN NULL\073
END';

CREATE FUNCTION "msr_delivery_after_delete"() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  DELETE FROM "DeliveryAttempt" WHERE "deliveryId" = OLD.id\073
  RETURN NULL\073
END';

CREATE TRIGGER "Event_unique" BEFORE INSERT ON "Event" FOR EACH ROW EXECUTE FUNCTION "msr_event_before_insert"();
CREATE TRIGGER "Delivery_unique_and_event" BEFORE INSERT ON "Delivery" FOR EACH ROW EXECUTE FUNCTION "msr_delivery_before_insert"();
CREATE TRIGGER "DeliveryAttempt_unique_and_delivery" BEFORE INSERT ON "DeliveryAttempt" FOR EACH ROW EXECUTE FUNCTION "msr_attempt_before_insert"();
CREATE TRIGGER "Event_cascade" AFTER DELETE ON "Event" FOR EACH ROW EXECUTE FUNCTION "msr_event_after_delete"();
CREATE TRIGGER "Delivery_cascade" AFTER DELETE ON "Delivery" FOR EACH ROW EXECUTE FUNCTION "msr_delivery_after_delete"();

ANALYZE "Event";
ANALYZE "Delivery";
ANALYZE "DeliveryAttempt";
