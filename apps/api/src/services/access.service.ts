// Resolves the names in a request's path to ids once, then enforces MSR's access rules on the ids.
// Errors follow the contract: an unknown namespace is a 404; so is a repository the caller may not
// even read (a private one shows exactly like a missing one); a known one the caller may read but
// not administer is a 403. Every signed-in user may read any account (GET /enzi/v0/accounts/{name}),
// so a namespace's existence is no secret and a non-admin gets 403 there.
import type { Account, PrismaClient } from "@msr-webhooks/db/client";
import {
  administersNamespaceRepositories,
  administersScope,
  atLeast,
  isNamespaceAdmin,
  repositoryAccess,
  type AccessLevel,
  type AccessQuery,
  type SubscriptionScope,
} from "@msr-webhooks/db/access";
import { prismaRunner } from "@msr-webhooks/db/sql-runner";
import { findAccountByName, findRepository, type RepositoryWithNamespace } from "@msr-webhooks/db/accounts";
import { noSuchAccount, noSuchRepository, notAuthorized } from "../errors.js";
import type { Principal } from "../identity/principal.js";

export interface ReadableRepository {
  repo: RepositoryWithNamespace;
  level: AccessLevel;
}

export class AccessService {
  private readonly sql: AccessQuery;

  constructor(private readonly db: PrismaClient) {
    this.sql = prismaRunner(db);
  }

  async namespace(name: string): Promise<Account> {
    const account = await findAccountByName(this.db, name);
    if (!account) throw noSuchAccount(name);
    return account;
  }

  async isNamespaceAdmin(principal: Principal, namespace: Account): Promise<boolean> {
    return isNamespaceAdmin(this.sql, principal, namespace.id);
  }

  /** The repository and the caller's level on it; null when it is missing or the caller may not read it. */
  async findReadableRepository(principal: Principal, namespace: string, name: string): Promise<ReadableRepository | null> {
    const repo = await findRepository(this.db, namespace, name);
    const level = repo === null ? "none" : await repositoryAccess(this.sql, principal, repo);
    return repo === null || level === "none" ? null : { repo, level };
  }

  /** The repository and the caller's level on it; NO_SUCH_REPOSITORY when it is missing or the caller may not read it. */
  async readableRepository(principal: Principal, namespace: string, name: string): Promise<ReadableRepository> {
    const found = await this.findReadableRepository(principal, namespace, name);
    if (found === null) throw noSuchRepository(`${namespace}/${name}`);
    return found;
  }

  /** The repository, if the principal administers it; NOT_AUTHORIZED if they only read it. */
  async requireRepositoryAdmin(principal: Principal, namespace: string, name: string): Promise<RepositoryWithNamespace> {
    const { repo, level } = await this.readableRepository(principal, namespace, name);
    if (!atLeast(level, "admin")) throw notAuthorized(`you are not an admin of repository ${namespace}/${name}`);
    return repo;
  }

  /** The namespace account, if the principal administers it; else NOT_AUTHORIZED. */
  async requireNamespaceAdmin(principal: Principal, name: string): Promise<Account> {
    const account = await this.namespace(name);
    if (!(await this.isNamespaceAdmin(principal, account))) {
      throw notAuthorized(`you are not an admin of namespace ${name}`);
    }
    return account;
  }

  /**
   * The namespace account, if the principal administers every repository in it (a namespace admin,
   * or a member of a team with `admin` on the namespace): what subscribing to the namespace and
   * listing its webhooks need. Else NOT_AUTHORIZED.
   */
  async requireNamespaceRepositoriesAdmin(principal: Principal, name: string): Promise<Account> {
    const account = await this.namespace(name);
    if (!(await administersNamespaceRepositories(this.sql, principal, account.id))) {
      throw notAuthorized(`you are not an admin of namespace ${name} or of every repository in it`);
    }
    return account;
  }

  /** Whether the principal administers what a subscription is bound to (by id). */
  administers(principal: Principal, scope: SubscriptionScope): Promise<boolean> {
    return administersScope(this.sql, principal, scope);
  }
}
