-- Per-webhook payload format and filters (issue 20), kept outside the MSR webhook object, which
-- keeps its ten fields. A webhook without a row gets the MSR envelope, unfiltered. The row goes
-- with its webhook.
-- (No semicolons or quotes in these comments: the schema engine splits the script on them.)

-- CreateTable
CREATE TABLE "WebhookSettings" (
    "webhookId" TEXT NOT NULL,
    "format" TEXT NOT NULL DEFAULT 'msr',
    "mode" TEXT,
    "tagGlobs" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "repoEvents" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "minSeverity" TEXT,
    "updatedAt" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "WebhookSettings_pkey" PRIMARY KEY ("webhookId")
);

-- AddForeignKey
ALTER TABLE "WebhookSettings" ADD CONSTRAINT "WebhookSettings_webhookId_fkey" FOREIGN KEY ("webhookId") REFERENCES "Webhook"("id") ON DELETE CASCADE ON UPDATE CASCADE;
