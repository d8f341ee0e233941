// The limit on redeliveries of one delivery (REDELIVERIES_PER_HOUR), counted in Redis so that every API
// replica counts the same requests: at most `limit` within an hour that starts at the delivery's first
// redelivery, then 429 TOO_MANY_REQUESTS with Retry-After until it ends. When Redis cannot answer, the
// redelivery is refused (503): it could not be queued there either.
import type { Redis } from "ioredis";
import type { Logger } from "winston";
import { ApiError } from "../errors.js";

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

interface LimiterCommands {
  msrwhRedeliveryTake(key: string, windowMs: number, limit: number): Promise<number>;
}

// One round trip: count the request, start the window on the first, answer 0 or the ms left in the
// window. A refused request is not counted, so the window is not held open by refused calls.
const TAKE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if n <= tonumber(ARGV[2]) then return 0 end
redis.call('DECR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 1 then return 1 end
return ttl`;

const UNAVAILABLE_RETRY_SECONDS = 5;

export function createRedeliveryLimiter(redis: Redis, options: RedeliveryLimitOptions, log: Logger): RedeliveryLimiter {
  redis.defineCommand("msrwhRedeliveryTake", { numberOfKeys: 1, lua: TAKE });
  const commands = redis as unknown as LimiterCommands;
  return {
    async admit(deliveryId) {
      let waitMs: number;
      try {
        waitMs = await commands.msrwhRedeliveryTake(`${options.prefix}:redeliveries:${deliveryId}`, REDELIVERY_WINDOW_MS, options.limit);
      } catch (err) {
        log.warn("redelivery limit unavailable; redeliveries are refused", { error: err instanceof Error ? err.message : String(err) });
        throw new ApiError(
          "SERVICE_UNAVAILABLE",
          "redeliveries are unavailable while their limit cannot be counted; try again shortly",
          undefined,
          { "Retry-After": String(UNAVAILABLE_RETRY_SECONDS) },
        );
      }
      if (waitMs === 0) return;
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      throw new ApiError(
        "TOO_MANY_REQUESTS",
        `this delivery was redelivered ${options.limit} times within the hour, the most allowed (REDELIVERIES_PER_HOUR); try again in ${seconds} s`,
        { limit: "REDELIVERIES_PER_HOUR", max: options.limit, retryAfterSeconds: seconds },
        { "Retry-After": String(seconds) },
      );
    },
  };
}
