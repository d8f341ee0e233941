// Resolves namespaces and repositories by name and enforces MSR's access rules on them.
// Errors follow the contract: an unknown namespace or repository is a 404, a known one
// the caller may not administer is a 403 (callers that must hide existence map it).
import type { Account, PrismaClient } from "@msr-webhooks/db/client";
import { atLeast, isNamespaceAdmin, repositoryAccess, type AccessLevel } from "@msr-webhooks/db/access";
import { findAccountByName, findRepository, type RepositoryWithNamespace } from "@msr-webhooks/db/accounts";
import { noSuchAccount, noSuchRepository, notAuthorized } from "../errors.js";
import type { Principal } from "../identity/principal.js";

export class AccessService {
  constructor(private readonly db: PrismaClient) {}

  async namespace(name: string): Promise<Account> {
    const account = await findAccountByName(this.db, name);
    if (!account) throw noSuchAccount(name);
    return account;
  }

  async repository(namespace: string, name: string): Promise<RepositoryWithNamespace> {
    const repo = await findRepository(this.db, namespace, name);
    if (!repo) throw noSuchRepository(`${namespace}/${name}`);
    return repo;
  }

  async levelOn(principal: Principal, repo: RepositoryWithNamespace): Promise<AccessLevel> {
    return repositoryAccess(this.db, principal, repo);
  }

  async isNamespaceAdmin(principal: Principal, namespace: Account): Promise<boolean> {
    return isNamespaceAdmin(this.db, principal, namespace.id);
  }

  /** The repository, if the principal administers it; else NOT_AUTHORIZED. */
  async requireRepositoryAdmin(principal: Principal, namespace: string, name: string): Promise<RepositoryWithNamespace> {
    const repo = await this.repository(namespace, name);
    if (!atLeast(await this.levelOn(principal, repo), "admin")) {
      throw notAuthorized(`you are not an admin of repository ${namespace}/${name}`);
    }
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
}
