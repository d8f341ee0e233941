// The per-user limit on POST /webhooks/test, counted in Redis so that every API replica counts the same
// sends: at most `limit` within a window that starts at the user's first send, then 429 TOO_MANY_REQUESTS
// with Retry-After until it ends. When Redis cannot answer, test sends are refused (503) rather than let
// through unlimited: the endpoint is a convenience, an unlimited one a scanner.
import type { Redis } from "ioredis";
import type { Logger } from "winston";
import { ApiError } from "../errors.js";

export interface WebhookTestLimiter {
  /** Counts one send by the user; throws 429 past the limit, 503 when the count cannot be kept. */
  admit(userId: string): Promise<void>;
}

export interface WebhookTestLimitOptions {
  prefix: string;
  /** Sends per user and window; 0 turns the limit off. */
  limit: number;
  windowMs: number;
}

interface LimiterCommands {
  msrwhWebhookTestTake(key: string, windowMs: number, limit: number): Promise<number>;
}

// One round trip: count the send, start the window on the first, answer 0 or the ms left in the window.
const TAKE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if n <= tonumber(ARGV[2]) then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 1 then return 1 end
return ttl`;

const UNAVAILABLE_RETRY_SECONDS = 5;

export function createWebhookTestLimiter(redis: Redis, options: WebhookTestLimitOptions, log: Logger): WebhookTestLimiter {
  redis.defineCommand("msrwhWebhookTestTake", { numberOfKeys: 1, lua: TAKE });
  const commands = redis as unknown as LimiterCommands;
  return {
    async admit(userId) {
      if (options.limit === 0) return;
      let waitMs: number;
      try {
        waitMs = await commands.msrwhWebhookTestTake(`${options.prefix}:webhook-tests:${userId}`, options.windowMs, options.limit);
      } catch (err) {
        log.warn("webhook test limit unavailable; test sends are refused", { error: err instanceof Error ? err.message : String(err) });
        throw new ApiError(
          "SERVICE_UNAVAILABLE",
          "webhook tests are unavailable while their rate limit cannot be counted; try again shortly",
          undefined,
          { "Retry-After": String(UNAVAILABLE_RETRY_SECONDS) },
        );
      }
      if (waitMs === 0) return;
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      throw new ApiError(
        "TOO_MANY_REQUESTS",
        `too many webhook test sends: at most ${options.limit} per ${Math.round(options.windowMs / 1000)} s per user; try again in ${seconds} s`,
        { retryAfterSeconds: seconds },
        { "Retry-After": String(seconds) },
      );
    },
  };
}
