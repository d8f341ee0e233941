-- Binds every subscription to the account and repository it was made for, by id (issue 14): a
-- webhook keyed "ns/repo" or "ns" used to be resolved by name on every check, so whoever took a
-- freed name (a deleted account re-created as an organization, a repository deleted and created
-- again) took over the webhooks, their secrets and their delivery logs. From here on deleting an
-- account or a repository deletes the webhooks keyed to it (with their deliveries), whoever wrote
-- them. The key stays as it was written, for the MSR webhook object and the fan-out index.
-- (No semicolons or quotes in these comments: the schema engine splits the script on them.)

-- AlterTable
ALTER TABLE "Webhook" ADD COLUMN "namespaceId" UUID,
ADD COLUMN "repositoryId" UUID;

-- Backfill from the names in the keys. A subscription can only have been made for an account or a
-- repository that existed then, so one that is older than the holder of its name now (by more than
-- a minute, to allow for clock skew between the API and PostgreSQL) was made for an earlier holder:
-- it stays unbound, like one whose name nobody holds any more.
UPDATE "Webhook" AS w
   SET "namespaceId" = a."id"
  FROM "Account" AS a
 WHERE w."key" <> ''
   AND a."name" = split_part(w."key", '/', 1)
   AND a."createdAt" <= w."createdAt" + interval '1 minute';

UPDATE "Webhook" AS w
   SET "repositoryId" = r."id"
  FROM "Repository" AS r
 WHERE strpos(w."key", '/') > 0
   AND r."namespaceId" = w."namespaceId"
   AND r."name" = split_part(w."key", '/', 2)
   AND r."createdAt" <= w."createdAt" + interval '1 minute';

-- Unbound subscriptions belong to an account or repository that was deleted: they go, as they now
-- would have gone with it (their deliveries and attempts cascade).
DELETE FROM "Webhook"
 WHERE "key" <> ''
   AND ("namespaceId" IS NULL OR (strpos("key", '/') > 0 AND "repositoryId" IS NULL));

-- DropIndex
DROP INDEX "Webhook_namespace_createdAt_idx";

-- AlterTable
ALTER TABLE "Webhook" DROP COLUMN "namespace";

-- The ids follow the shape of the key: "" is global (no ids), "ns" a namespace, "ns/repo" a repository.
ALTER TABLE "Webhook" ADD CONSTRAINT "Webhook_binding_check" CHECK (
  CASE
    WHEN "key" = '' THEN "namespaceId" IS NULL AND "repositoryId" IS NULL
    WHEN strpos("key", '/') > 0 THEN "namespaceId" IS NOT NULL AND "repositoryId" IS NOT NULL
    ELSE "namespaceId" IS NOT NULL AND "repositoryId" IS NULL
  END
);

-- CreateIndex
CREATE INDEX "Webhook_namespaceId_createdAt_idx" ON "Webhook"("namespaceId", "createdAt");

-- CreateIndex
CREATE INDEX "Webhook_repositoryId_createdAt_idx" ON "Webhook"("repositoryId", "createdAt");

-- AddForeignKey
ALTER TABLE "Webhook" ADD CONSTRAINT "Webhook_namespaceId_fkey" FOREIGN KEY ("namespaceId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Webhook" ADD CONSTRAINT "Webhook_repositoryId_fkey" FOREIGN KEY ("repositoryId") REFERENCES "Repository"("id") ON DELETE CASCADE ON UPDATE CASCADE;
