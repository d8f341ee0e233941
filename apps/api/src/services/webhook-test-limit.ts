// The per-user limit on POST /webhooks/test: at most `limit` sends within a window that starts at the
// user's first send (window-limit.ts). When Redis cannot answer, test sends are refused (503) rather
// than let through unlimited: the endpoint is a convenience, an unlimited one a scanner.
import type { Redis } from "ioredis";
import type { Logger } from "winston";
import { createWindowLimit } from "./window-limit.js";

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

export function createWebhookTestLimiter(redis: Redis, options: WebhookTestLimitOptions, log: Logger): WebhookTestLimiter {
  const admit = createWindowLimit(
    redis,
    {
      prefix: options.prefix,
      name: "webhook-tests",
      limit: options.limit,
      windowMs: options.windowMs,
      unavailableMessage: "webhook tests are unavailable while their rate limit cannot be counted; try again shortly",
      refusal: (seconds) => ({
        message: `too many webhook test sends: at most ${options.limit} per ${Math.round(options.windowMs / 1000)} s per user; try again in ${seconds} s`,
        detail: { retryAfterSeconds: seconds },
      }),
    },
    log,
  );
  return { admit };
}
