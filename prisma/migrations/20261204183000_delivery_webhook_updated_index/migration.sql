-- The console health panel (GET /api/v0/webhooks/{id}/stats) reads the attempts of the last 24 hours
-- through the deliveries a webhook updated in that time (every recorded attempt sets updatedAt), so a
-- webhook with a long history answers as fast as one with a short one.
-- (No semicolons or quotes in these comments: the schema engine splits the script on them.)

-- CreateIndex
CREATE INDEX "Delivery_webhookId_updatedAt_idx" ON "Delivery"("webhookId", "updatedAt");
