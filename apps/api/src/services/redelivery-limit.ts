// The limit on redeliveries of one delivery (REDELIVERIES_PER_HOUR): at most `limit` within an hour
// that starts at the delivery's first redelivery (window-limit.ts). When Redis cannot answer, the
// redelivery is refused (503): it could not be queued there either.
import type { Redis } from "ioredis";
import type { Logger } from "winston";
import { createWindowLimit } from "./window-limit.js";

export interface RedeliveryLimiter {
  /** Counts one redelivery of the delivery; throws 429 past the limit, 503 when the count cannot be kept. */
  admit(deliveryId: string): Promise<void>;
}

export interface RedeliveryLimitOptions {
  prefix: string;
  /** Redeliveries per delivery and hour. */
  limit: number;
}

export const REDELIVERY_WINDOW_MS = 60 * 60 * 1000;

export function createRedeliveryLimiter(redis: Redis, options: RedeliveryLimitOptions, log: Logger): RedeliveryLimiter {
  const admit = createWindowLimit(
    redis,
    {
      prefix: options.prefix,
      name: "redeliveries",
      limit: options.limit,
      windowMs: REDELIVERY_WINDOW_MS,
      unavailableMessage: "redeliveries are unavailable while their limit cannot be counted; try again shortly",
      refusal: (seconds) => ({
        message: `this delivery was redelivered ${options.limit} times within the hour, the most allowed (REDELIVERIES_PER_HOUR); try again in ${seconds} s`,
        detail: { limit: "REDELIVERIES_PER_HOUR", max: options.limit, retryAfterSeconds: seconds },
      }),
    },
    log,
  );
  return { admit };
}
