// MSR's "create repository on push": a push to a repository the service does not know creates
// it, in the namespace account, inside the caller's transaction (with its REPO_CREATED event).
// A namespace with no account becomes an organization without owners: only system admins
// manage it until an owner is added, and its repositories are private, so a push grants nobody
// any access.
import { randomUUID } from "node:crypto";
import type { Prisma } from "@msr-webhooks/db/client";
import { isIdShaped, type RepositoryWithNamespace } from "@msr-webhooks/db/accounts";

export interface CreatedOnPush {
  repository: RepositoryWithNamespace;
  /** True when the namespace account was created too (as an organization). */
  namespaceCreated: boolean;
}

/** Creates `namespace/name` when it does not exist; null when it already did. */
export async function createRepositoryOnPush(
  tx: Prisma.TransactionClient,
  namespace: string,
  name: string,
): Promise<CreatedOnPush | null> {
  const existing = await tx.repository.findFirst({ where: { name, namespace: { name: namespace } }, select: { id: true } });
  if (existing !== null) return null;
  let account = await tx.account.findUnique({ where: { name: namespace } });
  let namespaceCreated = false;
  if (account === null) {
    // No account may be named like an id (it would shadow lookups by id): the push stays in the
    // registry, its events are recorded, but no namespace is made up for it.
    if (isIdShaped(namespace)) return null;
    account = await tx.account.create({ data: { id: randomUUID(), name: namespace, isOrg: true } });
    namespaceCreated = true;
  }
  const repository = await tx.repository.create({
    data: { id: randomUUID(), namespaceId: account.id, name, visibility: "private" },
  });
  return { repository: { ...repository, namespace: account }, namespaceCreated };
}
