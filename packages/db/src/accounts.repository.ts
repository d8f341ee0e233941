// Account lookups shared by the API and the worker.
import type { Account, PrismaClient, Repository } from "../generated/client/index.js";

export function findAccountByName(db: PrismaClient, name: string): Promise<Account | null> {
  return db.account.findUnique({ where: { name } });
}

export function findAccountById(db: PrismaClient, id: string): Promise<Account | null> {
  return db.account.findUnique({ where: { id } });
}

export type RepositoryWithNamespace = Repository & { namespace: Account };

/** A repository by `namespace` and `name`, with its namespace account. */
export async function findRepository(
  db: PrismaClient,
  namespace: string,
  name: string,
): Promise<RepositoryWithNamespace | null> {
  return db.repository.findFirst({
    where: { name, namespace: { name: namespace } },
    include: { namespace: true },
  });
}
