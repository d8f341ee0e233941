-- Events bound to the namespace account and repository their names denoted when stored (issue 14).
-- Fan-out matches webhooks by these ids. Null means nothing had those names then (or an older row).
-- No foreign keys: an event outlives the account or repository it was about.
ALTER TABLE "Event" ADD COLUMN "namespaceId" UUID;
ALTER TABLE "Event" ADD COLUMN "repositoryId" UUID;
