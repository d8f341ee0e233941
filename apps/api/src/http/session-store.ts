// The console's sign-in sessions, kept in Redis so every API replica knows them and sign-out or
// revocation takes effect everywhere at once. The cookie holds a random id; Redis holds only its
// SHA-256 (a dump of Redis gives no usable cookie). Each session lives SESSION_TTL_MS at most;
// one account keeps at most SESSIONS_PER_USER (its oldest go first), so a loop of sign-ins
// cannot fill Redis.
import { createHash, randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { Principal } from "../identity/principal.js";

export interface Session {
  principal: Principal;
  /** The synchronizer token a cookie-authenticated write must echo in X-CSRF-Token. */
  csrfToken: string;
  /** The auth epoch the principal was last checked in (session-auth.ts). */
  epoch: string;
  expiresAt: number;
}

export interface SessionStoreOptions {
  prefix: string;
  ttlMs: number;
  perUser: number;
}

export interface SessionStore {
  readonly ttlMs: number;
  /** Stores a new session and returns its id (the cookie's value). */
  create(principal: Principal, epoch: string): Promise<{ id: string; session: Session }>;
  get(id: string): Promise<Session | null>;
  /** Records that the session's principal was checked again in `epoch`. */
  touch(id: string, session: Session, epoch: string): Promise<void>;
  delete(id: string): Promise<void>;
}

const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function createSessionStore(redis: Redis, options: SessionStoreOptions): SessionStore {
  const base = `${options.prefix}:session`;
  const keyOf = (id: string): string => `${base}:${createHash("sha256").update(id).digest("base64url")}`;
  const userKey = (accountId: string): string => `${base}s-of:${accountId}`;

  const parse = (raw: string | null): Session | null => {
    if (raw === null) return null;
    const session = JSON.parse(raw) as Session;
    return session.expiresAt > Date.now() ? session : null;
  };

  return {
    ttlMs: options.ttlMs,
    async create(principal, epoch) {
      const id = randomBytes(32).toString("base64url");
      const now = Date.now();
      const session: Session = { principal, csrfToken: randomBytes(32).toString("base64url"), epoch, expiresAt: now + options.ttlMs };
      const key = keyOf(id);
      const index = userKey(principal.id);
      await redis
        .multi()
        .set(key, JSON.stringify(session), "PX", options.ttlMs)
        .zremrangebyscore(index, "-inf", now)
        .zadd(index, session.expiresAt, key)
        .pexpire(index, options.ttlMs)
        .exec();
      // Over the bound: end the sessions that expire first (the oldest).
      const excess = (await redis.zcard(index)) - options.perUser;
      if (excess > 0) {
        const oldest = await redis.zrange(index, "0", String(excess - 1));
        if (oldest.length > 0) await redis.multi().del(...oldest).zrem(index, ...oldest).exec();
      }
      return { id, session };
    },
    async get(id) {
      if (!ID_PATTERN.test(id)) return null;
      return parse(await redis.get(keyOf(id)));
    },
    async touch(id, session, epoch) {
      await redis.set(keyOf(id), JSON.stringify({ ...session, epoch }), "KEEPTTL", "XX");
    },
    async delete(id) {
      if (!ID_PATTERN.test(id)) return;
      const key = keyOf(id);
      const session = parse(await redis.get(key));
      const tx = redis.multi().del(key);
      if (session) tx.zrem(userKey(session.principal.id), key);
      await tx.exec();
    },
  };
}
