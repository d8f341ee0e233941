// The sign-in gate, kept in Redis (rate-limiter-flexible's RateLimiterRedis: Redis or Redis
// Cluster) so that every API replica counts the same attempts:
// - A sign-in is counted BEFORE its password or token is hashed (as an attempt), so parallel guesses
//   cannot all get a hash: once failures plus attempts in flight reach a limit, the rest get 429. A
//   successful sign-in gives its attempt back; a failed one leaves it counted as a failure.
// - Three scopes, most specific first: (address, username), username across addresses, address
//   across usernames. The address limit is the highest, so failing as `bob` from a shared CI
//   runner or NAT address does not lock `alice` out of that address. An attempt refused by one scope
//   is given back to the scopes that had counted it.
// - A scope whose failures reached its limit answers 429 with Retry-After until its window (counted
//   from its first attempt) ends, whatever credentials come, so a password guessed right later is
//   refused too; one full only of attempts still in flight answers Retry-After 1.
// - The same gate keeps the auth epoch: a counter every replica's principal cache is checked
//   against, raised when an account's rights or a token change (auth.service.ts).
// If Redis cannot answer, sign-in goes on without the limit and without the cache (logged).
import type { Cluster, Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { Logger } from "winston";

export type SignInScope = "user-address" | "user" | "address";

export interface SignInAdmission {
  /** Milliseconds until this sign-in may be tried; 0: admitted (and counted as pending). */
  waitMs: number;
  /** The scope whose limit was reached, when waitMs > 0. */
  scope: SignInScope | null;
  /** The current auth epoch; null when Redis did not answer (no cache use then). */
  epoch: string | null;
}

export interface AuthFailureLimiter {
  /** Counts an attempt for (address, username) before its secret is checked. */
  admit(address: string, username: string): Promise<SignInAdmission>;
  /** Ends an admitted attempt: failed ones are counted, successful ones only leave "pending". */
  settle(address: string, username: string, failed: boolean): Promise<void>;
  /** A malformed Authorization header: a failure of the address alone. */
  admitMalformed(address: string): Promise<SignInAdmission>;
  /** Raises the auth epoch (every replica's cached sign-ins and the console's sessions are checked again). */
  bumpEpoch(): Promise<void>;
  /** The auth epoch now; null when Redis did not answer. */
  epoch(): Promise<string | null>;
}

// The library's count-and-expire script, with a floor at 0: giving back the attempt of a sign-in
// that outlived its window must not leave the next window a credit.
const INCR_TTL_FLOORED = `redis.call('set', KEYS[1], 0, 'EX', ARGV[2], 'NX')
local consumed = redis.call('incrby', KEYS[1], ARGV[1])
if consumed < 0 then
  redis.call('incrby', KEYS[1], -consumed)
  consumed = 0
end
local ttl = redis.call('pttl', KEYS[1])
if ttl == -1 then
  redis.call('expire', KEYS[1], ARGV[2])
  ttl = 1000 * ARGV[2]
end
return {consumed, ttl}`;

/** While only attempts in flight fill a scope, a refused sign-in is told to come back in a second. */
const IN_FLIGHT_WAIT_MS = 1000;

export interface AuthFailureLimitOptions {
  prefix: string;
  /** Attempts allowed per (address, username) and window; 0 turns every limit off. */
  limit: number;
  /** Attempts allowed per username across addresses. */
  userLimit: number;
  /** Attempts allowed per address across usernames. */
  addressLimit: number;
  windowMs: number;
}

interface Scope {
  name: SignInScope;
  key: string;
  /** Attempts (failures and attempts in flight) in the window. */
  attempts: RateLimiterRedis;
  /** Failures alone, to tell a full scope from a busy one. */
  failures: RateLimiterRedis;
}

export function createAuthFailureLimiter(redis: Redis | Cluster, options: AuthFailureLimitOptions, log: Logger): AuthFailureLimiter {
  // One hash tag: a cluster keeps every key of the gate in one slot.
  const base = `${options.prefix}:{sign-in}`;
  const epochKey = `${base}:epoch`;
  const enc = encodeURIComponent;
  const limiter = (keyPrefix: string, points: number): RateLimiterRedis =>
    new RateLimiterRedis({
      storeClient: redis,
      keyPrefix,
      points,
      // Whole seconds (the library's unit), never shorter than the window asked for.
      duration: Math.ceil(options.windowMs / 1000),
      rejectIfRedisNotReady: true,
      customIncrTtlLuaScript: INCR_TTL_FLOORED,
    });
  const pair = (name: SignInScope, tag: string, limit: number) => ({
    name,
    attempts: limiter(`${base}:${tag}`, limit),
    failures: limiter(`${base}:${tag}f`, limit),
  });
  const userAddress = pair("user-address", "ua", options.limit);
  const user = pair("user", "u", options.userLimit);
  const address = pair("address", "a", options.addressLimit);
  const scopes = (client: string, username: string | null): Scope[] =>
    username === null
      ? [{ ...address, key: enc(client) }]
      : [
          { ...userAddress, key: `${enc(client)}:${enc(username)}` },
          { ...user, key: enc(username) },
          { ...address, key: enc(client) },
        ];
  const off = options.limit === 0;
  let lastWarning = 0;
  const unavailable = (err: unknown): void => {
    if (Date.now() - lastWarning < 10_000) return;
    lastWarning = Date.now();
    log.warn("sign-in gate unavailable; sign-in goes on without the limit and the cache", {
      error: err instanceof Error ? err.message : String(err),
    });
  };
  const readEpoch = async (): Promise<string> => (await redis.get(epochKey)) ?? "0";

  /** How long a refused scope keeps refusing: its window when failures fill it, else a second. */
  const refusal = async (scope: Scope, res: RateLimiterRes): Promise<number> => {
    const failures = await scope.failures.get(scope.key);
    return (failures?.consumedPoints ?? 0) >= scope.attempts.points ? Math.max(1, res.msBeforeNext) : IN_FLIGHT_WAIT_MS;
  };

  const admitScopes = async (client: string, username: string | null): Promise<SignInAdmission> => {
    try {
      const epoch = await readEpoch();
      if (off) return { waitMs: 0, scope: null, epoch };
      const counted: Scope[] = [];
      for (const scope of scopes(client, username)) {
        try {
          await scope.attempts.consume(scope.key);
          counted.push(scope);
        } catch (err) {
          if (!(err instanceof RateLimiterRes)) throw err;
          // Refused: nothing of this attempt stays counted, here or in the scopes before.
          await Promise.all([scope, ...counted].map((s) => s.attempts.reward(s.key)));
          return { waitMs: await refusal(scope, err), scope: scope.name, epoch };
        }
      }
      return { waitMs: 0, scope: null, epoch };
    } catch (err) {
      unavailable(err);
      return { waitMs: 0, scope: null, epoch: null };
    }
  };
  const settleScopes = async (client: string, username: string | null, failed: boolean): Promise<void> => {
    if (off) return;
    try {
      await Promise.all(
        scopes(client, username).map((s) => (failed ? s.failures.penalty(s.key) : s.attempts.reward(s.key))),
      );
    } catch (err) {
      unavailable(err);
    }
  };

  return {
    admit: (client, username) => admitScopes(client, username),
    settle: (client, username, failed) => settleScopes(client, username, failed),
    async admitMalformed(client) {
      const admission = await admitScopes(client, null);
      if (admission.waitMs === 0) await settleScopes(client, null, true);
      return admission;
    },
    async bumpEpoch() {
      await redis.incr(epochKey);
    },
    async epoch() {
      try {
        return await readEpoch();
      } catch (err) {
        unavailable(err);
        return null;
      }
    },
  };
}
