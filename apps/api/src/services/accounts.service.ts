// eNZi-style accounts: users (created by system admins), organizations (created by any user, who
// becomes their owner) and organization membership. Org owners and system admins manage an
// organization; its members may look at it.
import { randomUUID } from "node:crypto";
import { findAccountById, findAccountByName, isIdShaped } from "@msr-webhooks/db/accounts";
import type { Account, Prisma, PrismaClient } from "@msr-webhooks/db/client";
import { ApiError, invalidParameter, isUniqueViolation, noSuchAccount, notAuthorized } from "../errors.js";
import type { AuthService } from "../identity/auth.service.js";
import type { Principal } from "../identity/principal.js";
import { hashSecret } from "../identity/secret-hash.js";
import {
  type AccountFilter,
  type AccountView,
  type CreateAccountInput,
  type OrgMemberInput,
  type OrgMembershipView,
  type PageParams,
  type UpdateAccountInput,
} from "../schemas/account.schemas.js";
import type { EventRecorder } from "./event-recorder.service.js";
import { presentAccount, presentOrgMembership } from "../presenters/account.presenter.js";
import { repoEventContents } from "../presenters/repository.presenter.js";

export const DEFAULT_PAGE_SIZE = 100;
const MIN_PASSWORD = 8;

export interface Page<T> {
  items: T[];
  nextPageStart: string;
}

/** Cuts a `limit + 1` query result into a page and the key the next page starts at. */
export function pageOf<T>(rows: T[], limit: number, keyOf: (row: T) => string): Page<T> {
  const next = rows[limit];
  return next === undefined ? { items: rows, nextPageStart: "" } : { items: rows.slice(0, limit), nextPageStart: keyOf(next) };
}

/**
 * An account by id (`id:<uuid>`, or a bare UUID) or else by name: two separate ways in, never "try
 * one, then the other", so an account named like another's id (refused since; older data may hold
 * one) can never stand in for it.
 */
export function findAccountRef(db: PrismaClient, ref: string): Promise<Account | null> {
  const id = ref.startsWith("id:") ? ref.slice(3) : isIdShaped(ref) ? ref : null;
  if (id !== null) return isIdShaped(id) ? findAccountById(db, id.toLowerCase()) : Promise.resolve(null);
  return findAccountByName(db, ref);
}

/** Account names that parse as UUIDs are refused: an id must only ever mean the account that has it. */
function checkAccountName(name: string): void {
  if (isIdShaped(name)) throw invalidParameter("name", `${name} is shaped like a UUID: account names must not be, as UUIDs name accounts by id`);
}

const FILTERS: Record<AccountFilter, Prisma.AccountWhereInput> = {
  all: {},
  users: { isOrg: false },
  orgs: { isOrg: true },
  admins: { isOrg: false, isAdmin: true },
  "non-admins": { isOrg: false, isAdmin: false },
  "active-users": { isOrg: false, isActive: true },
  "inactive-users": { isOrg: false, isActive: false },
};

const accountExists = (name: string): ApiError => new ApiError("ACCOUNT_EXISTS", `an account named ${name} already exists`);
const noSuchOrg = (ref: string): ApiError => new ApiError("NO_SUCH_ACCOUNT", `organization ${ref} not found`);

export class AccountsService {
  constructor(
    private readonly db: PrismaClient,
    private readonly auth: AuthService,
    private readonly events: EventRecorder,
  ) {}

  async find(ref: string): Promise<Account> {
    const account = await findAccountRef(this.db, ref);
    if (!account) throw noSuchAccount(ref);
    return account;
  }

  async findOrg(ref: string): Promise<Account> {
    const account = await findAccountRef(this.db, ref);
    if (!account?.isOrg) throw noSuchOrg(ref);
    return account;
  }

  /** A user (not an organization); `field` names the parameter in the 400 for an organization. */
  async findUser(ref: string, field: string): Promise<Account> {
    const account = await this.find(ref);
    if (account.isOrg) throw invalidParameter(field, `${account.name} is an organization, not a user`);
    return account;
  }

  async isOwner(principal: Principal, org: Account): Promise<boolean> {
    const m = await this.db.orgMember.findUnique({ where: { orgId_userId: { orgId: org.id, userId: principal.id } } });
    return m?.isOwner ?? false;
  }

  /** Org owners and system admins manage an organization (members, teams, grants). */
  async requireManager(principal: Principal, org: Account): Promise<void> {
    if (principal.isAdmin || (await this.isOwner(principal, org))) return;
    throw notAuthorized(`only an owner of ${org.name} or a system admin may do this`);
  }

  /** Members (and system admins) may see an organization's members and teams. */
  async requireViewer(principal: Principal, org: Account): Promise<void> {
    if (principal.isAdmin) return;
    const m = await this.db.orgMember.findUnique({ where: { orgId_userId: { orgId: org.id, userId: principal.id } } });
    if (!m) throw notAuthorized(`only members of ${org.name} may see this`);
  }

  async create(principal: Principal, input: CreateAccountInput): Promise<AccountView> {
    const isOrg = input.isOrg ?? false;
    checkAccountName(input.name);
    if (input.searchLDAP) throw invalidParameter("searchLDAP", "LDAP is not supported: searchLDAP must be false");
    let passwordHash: string | null = null;
    if (isOrg) {
      if (input.password) throw invalidParameter("password", "an organization has no password");
      if (input.isAdmin) throw invalidParameter("isAdmin", "an organization cannot be a system admin");
      if (input.isActive === false) throw invalidParameter("isActive", "an organization is always active");
    } else {
      if (!principal.isAdmin) throw notAuthorized("only a system admin may create users");
      if (!input.password) throw invalidParameter("password", "a user needs a password");
      if ([...input.password].length < MIN_PASSWORD) {
        throw invalidParameter("password", `password must be at least ${MIN_PASSWORD} characters`);
      }
    }
    if (await this.db.account.findUnique({ where: { name: input.name }, select: { id: true } })) {
      throw accountExists(input.name);
    }
    if (!isOrg) passwordHash = await hashSecret(input.password ?? "");
    try {
      const created = await this.db.account.create({
        data: {
          id: randomUUID(),
          name: input.name,
          fullName: input.fullName ?? "",
          isOrg,
          isAdmin: input.isAdmin ?? false,
          isActive: input.isActive ?? true,
          passwordHash,
          ...(isOrg ? { members: { create: { userId: principal.id, isOwner: true } } } : {}),
        },
      });
      return presentAccount(created);
    } catch (err) {
      if (isUniqueViolation(err)) throw accountExists(input.name);
      throw err;
    }
  }

  /** System admins see every account; others see the organizations and themselves. */
  async list(
    principal: Principal,
    query: PageParams & { filter?: AccountFilter },
  ): Promise<{ accounts: AccountView[]; nextPageStart: string }> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const and: Prisma.AccountWhereInput[] = [FILTERS[query.filter ?? "all"]];
    if (!principal.isAdmin) and.push({ OR: [{ isOrg: true }, { id: principal.id }] });
    if (query.start !== undefined) and.push({ name: { gte: query.start } });
    const rows = await this.db.account.findMany({ where: { AND: and }, orderBy: { name: "asc" }, take: limit + 1 });
    const page = pageOf(rows, limit, (a) => a.name);
    return { accounts: page.items.map(presentAccount), nextPageStart: page.nextPageStart };
  }

  async get(ref: string): Promise<AccountView> {
    return presentAccount(await this.find(ref));
  }

  /**
   * fullName: the user themself, an org's owners, or an admin. isAdmin / isActive (users only):
   * system admins, never on their own account (so the last admin cannot lock everyone out).
   */
  async update(principal: Principal, ref: string, input: UpdateAccountInput): Promise<AccountView> {
    const account = await this.find(ref);
    const data: Prisma.AccountUpdateInput = {};
    if (input.fullName !== undefined) data.fullName = input.fullName;
    let roleChanged = false;
    if (account.isOrg) {
      if (input.isAdmin) throw invalidParameter("isAdmin", "an organization cannot be a system admin");
      if (input.isActive === false) throw invalidParameter("isActive", "an organization is always active");
      await this.requireManager(principal, account);
    } else {
      const adminChange = input.isAdmin !== undefined && input.isAdmin !== account.isAdmin;
      const activeChange = input.isActive !== undefined && input.isActive !== account.isActive;
      roleChanged = adminChange || activeChange;
      if (!principal.isAdmin) {
        if (account.id !== principal.id) throw notAuthorized("you may only change your own account");
        if (roleChanged) throw notAuthorized("only a system admin may change isAdmin or isActive");
      } else if (account.id === principal.id && roleChanged) {
        throw invalidParameter(adminChange ? "isAdmin" : "isActive", "you cannot revoke your own admin rights or deactivate yourself");
      }
      if (adminChange) data.isAdmin = input.isAdmin;
      if (activeChange) data.isActive = input.isActive;
    }
    const updated = await this.db.account.update({ where: { id: account.id }, data });
    // Signed-in principals are cached with their admin flag and activity.
    if (roleChanged) await this.auth.invalidate();
    return presentAccount(updated);
  }

  /**
   * System admins only. The account's repositories go with it, each announced as REPO_DELETED, and
   * so do the webhooks keyed to the account or its repositories (anyone's) with their delivery logs.
   */
  async delete(principal: Principal, ref: string): Promise<void> {
    if (!principal.isAdmin) throw notAuthorized("only a system admin may delete accounts");
    const account = await this.find(ref);
    if (account.id === principal.id) throw invalidParameter("name", "you cannot delete your own account");
    const repos = await this.db.repository.findMany({ where: { namespaceId: account.id }, orderBy: { name: "asc" } });
    const deleted = await this.db.account.deleteMany({ where: { id: account.id } });
    if (deleted.count === 0) throw noSuchAccount(ref);
    await this.auth.invalidate();
    for (const repo of repos) {
      await this.events.record({
        type: "REPO_EVENT",
        contents: repoEventContents("REPO_DELETED", principal.name, { ...repo, namespace: account }),
        source: "api",
      });
    }
  }

  async members(principal: Principal, orgRef: string, page: PageParams): Promise<{ members: OrgMembershipView[]; nextPageStart: string }> {
    const org = await this.findOrg(orgRef);
    await this.requireViewer(principal, org);
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.db.orgMember.findMany({
      where: { orgId: org.id, ...(page.start !== undefined ? { user: { name: { gte: page.start } } } : {}) },
      include: { user: true },
      orderBy: { user: { name: "asc" } },
      take: limit + 1,
    });
    const result = pageOf(rows, limit, (m) => m.user.name);
    return { members: result.items.map((m) => presentOrgMembership(m.user, m.isOwner)), nextPageStart: result.nextPageStart };
  }

  /** Adds the user to the organization, or changes their ownership (absent flags keep it). */
  async putMember(principal: Principal, orgRef: string, memberRef: string, input: OrgMemberInput): Promise<OrgMembershipView> {
    if (input.isAdmin !== undefined && input.isOwner !== undefined && input.isAdmin !== input.isOwner) {
      throw invalidParameter("isOwner", "isAdmin and isOwner mean the same and must agree");
    }
    const org = await this.findOrg(orgRef);
    await this.requireManager(principal, org);
    const user = await this.findUser(memberRef, "member");
    const owner = input.isOwner ?? input.isAdmin;
    const m = await this.db.orgMember.upsert({
      where: { orgId_userId: { orgId: org.id, userId: user.id } },
      update: owner === undefined ? {} : { isOwner: owner },
      create: { orgId: org.id, userId: user.id, isOwner: owner ?? false },
    });
    return presentOrgMembership(user, m.isOwner);
  }

  /** Managers remove anyone; a member may leave. Team memberships in the organization go too. */
  async deleteMember(principal: Principal, orgRef: string, memberRef: string): Promise<void> {
    const org = await this.findOrg(orgRef);
    const user = await this.find(memberRef);
    if (user.id !== principal.id) await this.requireManager(principal, org);
    const [, removed] = await this.db.$transaction([
      this.db.teamMember.deleteMany({ where: { userId: user.id, team: { orgId: org.id } } }),
      this.db.orgMember.deleteMany({ where: { orgId: org.id, userId: user.id } }),
    ]);
    if (removed.count === 0) throw new ApiError("NO_SUCH_ACCOUNT", `${user.name} is not a member of ${org.name}`);
  }
}
