// Checks HTTP Basic credentials (password or API token) and answers who is calling.
// Successful checks are cached briefly in memory (keyed by a hash of the credentials) because
// scrypt is deliberately slow. Each entry remembers the auth epoch it was made in (a counter in
// Redis that the sign-in gate reads on every sign-in): a change of rights, activity or tokens on
// any replica raises the epoch, and every replica's older entries stop counting at once.
import { createHash } from "node:crypto";
import type { Logger } from "winston";
import type { PrismaClient } from "@msr-webhooks/db/client";
import type { Principal } from "./principal.js";
import { decoyHash, verifySecret } from "./secret-hash.js";
import { parseToken } from "./api-token.js";

interface CacheEntry {
  principal: Principal;
  expires: number;
  epoch: string;
}

const MAX_CACHE = 10_000;
/** How stale a token's lastUsed may be: it is rewritten only when older than this. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export class AuthService {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly db: PrismaClient,
    private readonly cacheTtlMs: number,
    private readonly bumpEpoch: () => Promise<void> = async () => undefined,
    private readonly log?: Logger,
  ) {}

  /**
   * `epoch`: the auth epoch the sign-in gate just read; null (Redis did not answer) means the
   * cache cannot be trusted, so the secret is checked.
   */
  async authenticate(username: string, secret: string, epoch: string | null = null): Promise<Principal | null> {
    const key = createHash("sha256").update(username).update("\0").update(secret).digest("base64");
    const hit = this.cache.get(key);
    if (hit && epoch !== null && hit.epoch === epoch && hit.expires > Date.now()) return hit.principal;
    this.cache.delete(key);

    const principal = (await this.viaToken(username, secret)) ?? (await this.viaPassword(username, secret));
    if (principal && epoch !== null && this.cacheTtlMs > 0) {
      if (this.cache.size >= MAX_CACHE) this.cache.clear();
      this.cache.set(key, { principal, expires: Date.now() + this.cacheTtlMs, epoch });
    }
    return principal;
  }

  /**
   * Forget cached results everywhere (after a token is revoked or an account's rights change):
   * this process's at once, every other replica's through the epoch. If Redis cannot take the
   * new epoch, other replicas keep their entries until AUTH_CACHE_TTL_MS ends (logged).
   */
  async invalidate(): Promise<void> {
    this.cache.clear();
    try {
      await this.bumpEpoch();
    } catch (err) {
      this.log?.error("could not raise the auth epoch; other API replicas keep cached sign-ins until their TTL", {
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  private async viaToken(username: string, secret: string): Promise<Principal | null> {
    const parsed = parseToken(secret);
    if (!parsed) return null;
    const token = await this.db.apiToken.findUnique({ where: { id: parsed.id }, include: { account: true } });
    if (!token || token.account.name !== username || !token.account.isActive || !token.isActive) {
      await verifySecret(parsed.secret, await decoyHash());
      return null;
    }
    if (!(await verifySecret(parsed.secret, token.secretHash))) return null;
    await this.touch(token.id);
    return {
      id: token.account.id,
      name: token.account.name,
      isAdmin: token.account.isAdmin,
      via: "token",
      tokenId: token.id,
      tokenRole: token.role === "producer" ? "producer" : "user",
    };
  }

  /**
   * lastUsed, written at most once a minute per token (a busy CI token would otherwise write on
   * every cache miss); the condition lives in the UPDATE, so replicas racing still write once.
   */
  private async touch(id: string): Promise<void> {
    const now = new Date();
    await this.db.apiToken.updateMany({
      where: { id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now.getTime() - LAST_USED_RESOLUTION_MS) } }] },
      data: { lastUsedAt: now },
    });
  }

  private async viaPassword(username: string, secret: string): Promise<Principal | null> {
    const account = await this.db.account.findUnique({ where: { name: username } });
    if (!account || account.isOrg || !account.passwordHash || !account.isActive) {
      await verifySecret(secret, await decoyHash());
      return null;
    }
    if (!(await verifySecret(secret, account.passwordHash))) return null;
    return { id: account.id, name: account.name, isAdmin: account.isAdmin, via: "password", tokenId: null, tokenRole: null };
  }
}
