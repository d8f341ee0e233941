// The delivery job options every producer of delivery jobs shares.
import { deliveryJobId } from "../src/names.js";
import {
  DELIVERY_BACKOFF_TYPE,
  deliveryJobOptions,
  REDELIVER_JOB_NAME,
  REDELIVER_REQUEST_ATTEMPTS,
  redeliverRequestJob,
} from "../src/delivery-job.js";

test("the canonical job's options: its deterministic id, the worker's backoff, finished jobs pruned", () => {
  expect(deliveryJobOptions("d1", 8)).toEqual({
    jobId: deliveryJobId("d1"),
    attempts: 8,
    backoff: { type: DELIVERY_BACKOFF_TYPE },
    removeOnComplete: true,
    removeOnFail: { count: 1000 },
  });
});

test("a redeliver request is a later generation of the delivery's job", () => {
  const job = redeliverRequestJob("d1", 1733000000123);
  expect(job.name).toBe(REDELIVER_JOB_NAME);
  expect(job.data).toEqual({ deliveryId: "d1" });
  expect(job.opts.jobId).toBe("delivery-d1-r1733000000123");
  expect(job.opts.jobId).not.toBe(deliveryJobId("d1"));
  expect(job.opts.attempts).toBe(REDELIVER_REQUEST_ATTEMPTS);
});

test.each([0, -1, 1.5, Number.NaN])("refuses generation %p (0 is the canonical job)", (generation) => {
  expect(() => redeliverRequestJob("d1", generation)).toThrow(RangeError);
});
