// A limit on failed sign-ins per client address, kept in Redis so that every API replica counts
// the same failures: after `limit` failures within `windowMs` of the first, the address is answered
// 429 TOO_MANY_REQUESTS (with Retry-After) until the window ends, whatever credentials it sends,
// so a password guessed right on a later try is refused too. If Redis cannot answer at once, sign-in
// goes on without the limit (and says so in the log): an outage of the limiter must not lock out
// everyone.
import type { Redis } from "ioredis";
import type { Logger } from "winston";

export interface AuthFailureLimiter {
  /** Milliseconds until `client` may try again; 0 when it may try now. */
  blockedFor(client: string): Promise<number>;
  recordFailure(client: string): Promise<void>;
}

interface LimiterCommands {
  msrwhAuthFailed(key: string, windowMs: number): Promise<number>;
  msrwhAuthBlocked(key: string, limit: number): Promise<number>;
}

// One round trip each. The window starts at the first failure and is not extended by later ones.
const FAILED = `
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;
const BLOCKED = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n < tonumber(ARGV[1]) then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 1 then return 1 end
return ttl`;

export interface AuthFailureLimitOptions {
  prefix: string;
  /** Failures allowed per window; 0 turns the limit off. */
  limit: number;
  windowMs: number;
}

export function createAuthFailureLimiter(redis: Redis, options: AuthFailureLimitOptions, log: Logger): AuthFailureLimiter {
  redis.defineCommand("msrwhAuthFailed", { numberOfKeys: 1, lua: FAILED });
  redis.defineCommand("msrwhAuthBlocked", { numberOfKeys: 1, lua: BLOCKED });
  const commands = redis as unknown as LimiterCommands;
  const key = (client: string): string => `${options.prefix}:auth-failures:${client}`;
  let lastWarning = 0;
  const unavailable = (err: unknown): void => {
    if (Date.now() - lastWarning < 10_000) return;
    lastWarning = Date.now();
    log.warn("sign-in failure limit unavailable; sign-in goes on without it", { error: err instanceof Error ? err.message : String(err) });
  };
  return {
    async blockedFor(client) {
      if (options.limit === 0) return 0;
      try {
        return await commands.msrwhAuthBlocked(key(client), options.limit);
      } catch (err) {
        unavailable(err);
        return 0;
      }
    },
    async recordFailure(client) {
      if (options.limit === 0) return;
      try {
        await commands.msrwhAuthFailed(key(client), options.windowMs);
      } catch (err) {
        unavailable(err);
      }
    },
  };
}
