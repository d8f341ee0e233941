// A limit of `limit` requests per subject within a fixed window that starts at the subject's first
// request, counted in Redis so that every API replica counts the same requests. Past it: 429
// TOO_MANY_REQUESTS with Retry-After until the window ends. When Redis cannot answer, the request is
// refused (503), never let through unlimited. Used by the per-user /webhooks/test limit and the
// per-delivery redelivery limit.
import type { Redis } from "ioredis";
import type { Logger } from "winston";
import { ApiError } from "../errors.js";

export interface WindowLimitOptions {
  prefix: string;
  /** The key segment (`<prefix>:<name>:<subject>`) and the log's name for the limit. */
  name: string;
  /** Requests per subject and window; 0 turns the limit off. */
  limit: number;
  windowMs: number;
  /** The 503's message while Redis cannot keep the count. */
  unavailableMessage: string;
  /** The 429's message and detail, given the seconds left in the window. */
  refusal(seconds: number): { message: string; detail: unknown };
}

interface WindowCommands {
  msrwhWindowTake(key: string, windowMs: number, limit: number): Promise<number>;
}

// One round trip: count the request, start the window on the first, answer 0 or the ms left in the
// window. A refused request is not counted.
const TAKE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if n <= tonumber(ARGV[2]) then return 0 end
redis.call('DECR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 1 then return 1 end
return ttl`;

const UNAVAILABLE_RETRY_SECONDS = 5;

/** Counts one request of `subject`; throws 429 past the limit, 503 when the count cannot be kept. */
export function createWindowLimit(redis: Redis, options: WindowLimitOptions, log: Logger): (subject: string) => Promise<void> {
  redis.defineCommand("msrwhWindowTake", { numberOfKeys: 1, lua: TAKE });
  const commands = redis as unknown as WindowCommands;
  return async (subject) => {
    if (options.limit === 0) return;
    let waitMs: number;
    try {
      waitMs = await commands.msrwhWindowTake(`${options.prefix}:${options.name}:${subject}`, options.windowMs, options.limit);
    } catch (err) {
      log.warn("request limit unavailable; requests are refused", { limit: options.name, error: err instanceof Error ? err.message : String(err) });
      throw new ApiError("SERVICE_UNAVAILABLE", options.unavailableMessage, undefined, {
        "Retry-After": String(UNAVAILABLE_RETRY_SECONDS),
      });
    }
    if (waitMs === 0) return;
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    const { message, detail } = options.refusal(seconds);
    throw new ApiError("TOO_MANY_REQUESTS", message, detail, { "Retry-After": String(seconds) });
  };
}
