-- API tokens as DTR 2.7 serves them (issue 15): a token can be deactivated and activated again
-- (PATCH isActive) without being deleted, and it remembers the User-Agent that created it
-- (creatorUa). Existing tokens stay active, with an empty creatorUa.
-- (No semicolons or quotes in these comments: the schema engine splits the script on them.)

-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN "isActive" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN "creatorUa" TEXT NOT NULL DEFAULT '';
