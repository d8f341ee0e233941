// The per-user and per-key webhook limits (WEBHOOKS_PER_USER, WEBHOOKS_PER_KEY), checked and kept in
// one transaction: transaction-scoped advisory locks on the author and on the key's binding serialize
// the creates that could cross a limit, so concurrent creates cannot both see room for the last one.
// Every caller takes the author's lock before the key's, so two creates never wait on each other in a cycle.
import type { Prisma, PrismaClient, Webhook } from "@msr-webhooks/db/client";
import { ApiError } from "../errors.js";

export interface WebhookQuota {
  /** Webhooks one user may author (system admins included). */
  perUser: number;
  /** Webhooks bound to one repository, one namespace, or to everything (key ""), across authors. */
  perKey: number;
}

/** The binding a key resolved to: a repository, a namespace (repositoryId null), or everything (both null). */
export interface QuotaScope {
  namespaceId: string | null;
  repositoryId: string | null;
}

// The two lock spaces of pg_advisory_xact_lock(int4, int4): an author's id and a key's binding never share a lock.
const AUTHOR_LOCK_CLASS = 0x57480001;
const KEY_LOCK_CLASS = 0x57480002;

// Waiting for a connection or a lock behind other creates of the same user or key is normal under a burst.
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 15_000 };

function scopeWhere(scope: QuotaScope): Prisma.WebhookWhereInput {
  if (scope.repositoryId !== null) return { repositoryId: scope.repositoryId };
  return { namespaceId: scope.namespaceId, repositoryId: null };
}

function scopeLockName(scope: QuotaScope): string {
  return scope.repositoryId !== null ? `repository:${scope.repositoryId}` : scope.namespaceId !== null ? `namespace:${scope.namespaceId}` : "global";
}

/**
 * Inserts the webhook unless its author already has `perUser` webhooks or its binding `perKey`;
 * then 400 INVALID_WEBHOOK naming the limit in `detail.limit` (nothing is inserted).
 */
export async function createWithinQuota(
  db: PrismaClient,
  quota: WebhookQuota,
  scope: QuotaScope,
  data: Prisma.WebhookUncheckedCreateInput,
): Promise<Webhook> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUTHOR_LOCK_CLASS}::int4, hashtext(${data.authorId}))`;
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${KEY_LOCK_CLASS}::int4, hashtext(${scopeLockName(scope)}))`;
    // Read committed: each count below sees every create that committed before this one got its locks.
    const byAuthor = await tx.webhook.count({ where: { authorId: data.authorId } });
    if (byAuthor >= quota.perUser) {
      throw new ApiError(
        "INVALID_WEBHOOK",
        `you already have ${byAuthor} webhooks, the most one user may have (${quota.perUser}): delete some before creating more`,
        { limit: "WEBHOOKS_PER_USER", max: quota.perUser },
      );
    }
    const byKey = await tx.webhook.count({ where: scopeWhere(scope) });
    if (byKey >= quota.perKey) {
      throw new ApiError(
        "INVALID_WEBHOOK",
        `this key already has ${byKey} webhooks, the most one key may have (${quota.perKey}): delete some before creating more`,
        { field: "key", limit: "WEBHOOKS_PER_KEY", max: quota.perKey },
      );
    }
    return tx.webhook.create({ data });
  }, TRANSACTION_OPTIONS);
}
