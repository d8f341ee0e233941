-- Events are delivered as their producer sent them (issue 15). jsonb rewrites an object with its
-- keys sorted (shortest first), so a receiver saw the contents in another order than the producer
-- wrote them, where MSR sends its Go struct order. json keeps the text as written, and the worker
-- splices that text into the envelope unchanged. Nothing queries inside contents, so jsonb bought
-- nothing here. The change rewrites the Event table once (it holds at most the retention period).
-- createdAtText keeps the envelope time with every digit the producer gave (up to nanoseconds, as
-- Go prints them), where timestamptz keeps microseconds and the JavaScript Date milliseconds. Rows
-- from before have none, and are delivered with the time of createdAt.
-- (No semicolons or quotes in these comments: the schema engine splits the script on them.)

-- AlterTable
ALTER TABLE "Event" ALTER COLUMN "contents" SET DATA TYPE JSON,
ADD COLUMN "createdAtText" TEXT;
