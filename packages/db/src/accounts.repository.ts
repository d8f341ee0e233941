// Account lookups, used by the API only (the worker never looks accounts up). Names and ids are
// separate ways in: a name is never shaped like an id (isIdShaped), so a lookup never has to guess which one it was given.
import type { Account, PrismaClient, Repository } from "../generated/client/index.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `ref` parses as a UUID: then it can only be an id, never an account's or a team's name. */
export function isIdShaped(ref: string): boolean {
  return UUID.test(ref);
}

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
