-- The first attempt of a delivery made by the worker that fanned it out, without a queue job (issue 18).
-- The fan-out writes the row with its next attempt at the end of a lease (twice the attempt timeout
-- plus 5 s) and the same time here: until then no reconciler queues a job for it and no wake-up of
-- a parked attempt makes it due. The attempt record clears it, and so does the hand-over to a job
-- when the endpoint gate refuses the attempt. A worker that dies during the attempt leaves the
-- lease to run out, and the reconciler queues the delivery as it does any due one without a job.
-- A redeliver request keeps the next attempt of a leased delivery at the lease end (its attempt is
-- under way): it never runs a second attempt beside the first.
-- Not indexed, so an update of a delivery stays HOT.
-- (No semicolons or quotes in these comments: the schema engine splits the script on them.)

-- AlterTable
ALTER TABLE "Delivery" ADD COLUMN "leasedUntil" TIMESTAMPTZ(6);
