-- The console health panel (GET /api/v0/webhooks/{id}/stats) counts a webhook's attempts of the last
-- 24 hours by the webhook id on each attempt (insert only: one index entry per attempt), instead of
-- through Delivery(webhookId, updatedAt). That index took an entry at each delivery's insert and
-- another at its update (no update of a delivery can be HOT), and in a 60-minute soak it grew to
-- 448 MB for 1.6 million deliveries, larger than the table itself (docs/benchmarks.md, the fourth run).
-- Attempts recorded before this migration get their webhook from their delivery.
-- (No semicolons or quotes in these comments: the schema engine splits the script on them.)

-- AlterTable
ALTER TABLE "DeliveryAttempt" ADD COLUMN "webhookId" TEXT;

-- Backfill
UPDATE "DeliveryAttempt" AS a SET "webhookId" = d."webhookId" FROM "Delivery" AS d WHERE d.id = a."deliveryId";

-- CreateIndex
CREATE INDEX "DeliveryAttempt_webhookId_startedAt_idx" ON "DeliveryAttempt"("webhookId", "startedAt");

-- DropIndex
DROP INDEX "Delivery_webhookId_updatedAt_idx";
