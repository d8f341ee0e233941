// The sign-in gate, kept in Redis so that every API replica counts the same attempts:
// - A sign-in is counted BEFORE its password or token is hashed (as pending), so parallel guesses
//   cannot all get a hash: once failures plus attempts in flight reach a limit, the rest get 429.
// - Three scopes, most specific first: (address, username), username across addresses, address
//   across usernames. The address limit is the highest, so failing as `bob` from a shared CI
//   runner or NAT address does not lock `alice` out of that address.
// - A scope over its limit answers 429 with Retry-After until its window (counted from its first
//   attempt) ends, whatever credentials come, so a password guessed right later is refused too.
// - The same call returns the auth epoch: a counter every replica's principal cache is checked
//   against, raised when an account's rights or a token change (auth.service.ts).
// If Redis cannot answer, sign-in goes on without the limit and without the cache (logged).
import type { Redis } from "ioredis";
import type { Logger } from "winston";

export type SignInScope = "user-address" | "user" | "address";
const SCOPES: readonly SignInScope[] = ["user-address", "user", "address"];

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

interface GateCommands {
  msrwhSignInAdmit(...args: (string | number)[]): Promise<[number, number, string]>;
  msrwhSignInSettle(...args: (string | number)[]): Promise<number>;
}

// KEYS: the scope hashes (fields f: failures, p: pending), then the epoch key.
// ARGV: window ms, then one limit per scope hash (0: that scope is not limited).
const ADMIT = `
local n = #KEYS - 1
local window = tonumber(ARGV[1])
for i = 1, n do
  local limit = tonumber(ARGV[i + 1])
  if limit > 0 then
    local f = tonumber(redis.call('HGET', KEYS[i], 'f') or '0')
    local p = tonumber(redis.call('HGET', KEYS[i], 'p') or '0')
    if f >= limit then
      local ttl = redis.call('PTTL', KEYS[i])
      if ttl < 1 then ttl = 1 end
      return {ttl, i, redis.call('GET', KEYS[#KEYS]) or '0'}
    end
    if f + p >= limit then return {1000, i, redis.call('GET', KEYS[#KEYS]) or '0'} end
  end
end
for i = 1, n do
  redis.call('HINCRBY', KEYS[i], 'p', 1)
  if redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], window) end
end
return {0, 0, redis.call('GET', KEYS[#KEYS]) or '0'}`;

// KEYS: the scope hashes. ARGV: window ms, 1 when the attempt failed.
const SETTLE = `
for i = 1, #KEYS do
  if tonumber(redis.call('HGET', KEYS[i], 'p') or '0') > 0 then redis.call('HINCRBY', KEYS[i], 'p', -1) end
  if ARGV[2] == '1' then redis.call('HINCRBY', KEYS[i], 'f', 1) end
  if redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[1])) end
end
return 0`;

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

export function createAuthFailureLimiter(redis: Redis, options: AuthFailureLimitOptions, log: Logger): AuthFailureLimiter {
  redis.defineCommand("msrwhSignInAdmit", { lua: ADMIT });
  redis.defineCommand("msrwhSignInSettle", { lua: SETTLE });
  const commands = redis as unknown as GateCommands;
  // One hash tag: a cluster keeps the scripts' keys in one slot.
  const base = `${options.prefix}:{sign-in}`;
  const epochKey = `${base}:epoch`;
  const enc = encodeURIComponent;
  const keys = (address: string, username: string | null): string[] =>
    username === null
      ? [`${base}:a:${enc(address)}`]
      : [`${base}:ua:${enc(address)}:${enc(username)}`, `${base}:u:${enc(username)}`, `${base}:a:${enc(address)}`];
  const limits = (username: string | null): number[] =>
    username === null ? [options.addressLimit] : [options.limit, options.userLimit, options.addressLimit];
  const off = options.limit === 0;
  let lastWarning = 0;
  const unavailable = (err: unknown): void => {
    if (Date.now() - lastWarning < 10_000) return;
    lastWarning = Date.now();
    log.warn("sign-in gate unavailable; sign-in goes on without the limit and the cache", {
      error: err instanceof Error ? err.message : String(err),
    });
  };

  const admitKeys = async (address: string, username: string | null): Promise<SignInAdmission> => {
    const scopeKeys = keys(address, username);
    const scopeLimits = off ? scopeKeys.map(() => 0) : limits(username);
    try {
      const [waitMs, index, epoch] = await commands.msrwhSignInAdmit(
        scopeKeys.length + 1,
        ...scopeKeys,
        epochKey,
        options.windowMs,
        ...scopeLimits,
      );
      const scope = username === null ? "address" : (SCOPES[index - 1] ?? null);
      return { waitMs, scope: waitMs > 0 ? scope : null, epoch };
    } catch (err) {
      unavailable(err);
      return { waitMs: 0, scope: null, epoch: null };
    }
  };
  const settleKeys = async (address: string, username: string | null, failed: boolean): Promise<void> => {
    const scopeKeys = keys(address, username);
    try {
      await commands.msrwhSignInSettle(scopeKeys.length, ...scopeKeys, options.windowMs, failed ? 1 : 0);
    } catch (err) {
      unavailable(err);
    }
  };

  return {
    admit: (address, username) => admitKeys(address, username),
    settle: (address, username, failed) => settleKeys(address, username, failed),
    async admitMalformed(address) {
      const admission = await admitKeys(address, null);
      if (admission.waitMs === 0) await settleKeys(address, null, true);
      return admission;
    },
    async bumpEpoch() {
      await redis.incr(epochKey);
    },
    async epoch() {
      try {
        return (await redis.get(epochKey)) ?? "0";
      } catch (err) {
        unavailable(err);
        return null;
      }
    },
  };
}
