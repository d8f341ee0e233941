// Repositories (create, read, update, delete; each change announced as a REPO_EVENT after the
// write) and team grants on repositories and namespaces. A private repository the caller cannot
// read answers 404, exactly like one that does not exist (AccessService decides both).
import { randomUUID } from "node:crypto";
import type { Account, PrismaClient, Prisma } from "@msr-webhooks/db/client";
import type { RepositoryWithNamespace } from "@msr-webhooks/db/accounts";
import { atLeast, type AccessLevel } from "@msr-webhooks/db/access";
import type { RepoEventKind } from "@msr-webhooks/events/types";
import { ApiError, invalidParameter, isNotFound, isUniqueViolation, noSuchRepository, noSuchTeam, notAuthorized } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import {
  REPOSITORY_PATH_MAX,
  type CreateRepositoryInput,
  type GrantLevel,
  type GrantTeamView,
  type RepositoryView,
  type TeamGrantView,
  type UpdateRepositoryInput,
} from "../schemas/repository.schemas.js";
import type { TeamWithCount } from "../schemas/team.schemas.js";
import type { AccessService, ReadableRepository } from "./access.service.js";
import type { EventRecorder } from "./event-recorder.service.js";
import { findTeamRef } from "./teams.service.js";
import { presentRepository, repoEventContents } from "../presenters/repository.presenter.js";
import { presentTeam } from "../presenters/team.presenter.js";

const MUTABLE = [
  "shortDescription",
  "longDescription",
  "visibility",
  "scanOnPush",
  "immutableTags",
  "enableManifestLists",
  "tagLimit",
] as const;

const withCount = { _count: { select: { members: true } } } as const;

type RepositoryGrantsView = { repository: RepositoryView; teamAccessList: TeamGrantView[] };

export interface RepositoryPage {
  repositories: RepositoryView[];
  nextPageStart: string;
}

const asGrant = (level: string): GrantLevel => (level === "admin" || level === "read-write" ? level : "read-only");

export class RepositoriesService {
  constructor(
    private readonly db: PrismaClient,
    private readonly access: AccessService,
    private readonly events: EventRecorder,
  ) {}

  // ---- repositories ------------------------------------------------------------------------

  /** Namespace admins, and members of a team with `admin` on the whole namespace, create repositories. */
  async create(principal: Principal, namespace: string, input: CreateRepositoryInput): Promise<RepositoryView> {
    if (namespace.length + 1 + input.name.length > REPOSITORY_PATH_MAX) {
      throw invalidParameter("name", `${namespace}/${input.name} is longer than ${REPOSITORY_PATH_MAX} characters`);
    }
    const ns = await this.access.namespace(namespace);
    if (!(await this.access.isNamespaceAdmin(principal, ns)) && !(await this.hasNamespaceGrant(principal, ns, "admin"))) {
      throw notAuthorized(`you may not create repositories in ${namespace}`);
    }
    const exists = () => new ApiError("REPOSITORY_EXISTS", `repository ${namespace}/${input.name} already exists`);
    if (await this.db.repository.findFirst({ where: { namespaceId: ns.id, name: input.name }, select: { id: true } })) {
      throw exists();
    }
    let created;
    try {
      created = await this.db.repository.create({
        data: {
          id: randomUUID(),
          namespaceId: ns.id,
          name: input.name,
          shortDescription: input.shortDescription ?? "",
          longDescription: input.longDescription ?? "",
          visibility: input.visibility ?? "public",
          scanOnPush: input.scanOnPush ?? false,
          immutableTags: input.immutableTags ?? false,
          enableManifestLists: input.enableManifestLists ?? false,
          tagLimit: input.tagLimit ?? 0,
        },
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw exists();
      throw err;
    }
    const repo = { ...created, namespace: ns };
    await this.announce("REPO_CREATED", principal, repo);
    return presentRepository(repo);
  }

  /** The namespace's repositories the caller may read, by name. */
  async list(principal: Principal, namespace: string, page: { pageSize?: number; pageStart?: string }): Promise<RepositoryPage> {
    const ns = await this.access.namespace(namespace);
    const seesAll =
      (await this.access.isNamespaceAdmin(principal, ns)) || (await this.hasNamespaceGrant(principal, ns, "read-only"));
    const where: Prisma.RepositoryWhereInput = { namespaceId: ns.id };
    if (!seesAll) {
      where.OR = [
        { visibility: "public" },
        { teamGrants: { some: { team: { members: { some: { userId: principal.id } } } } } },
      ];
    }
    if (page.pageStart !== undefined) where.name = { gte: page.pageStart };
    const limit = page.pageSize ?? 100;
    const rows = await this.db.repository.findMany({ where, orderBy: { name: "asc" }, take: limit + 1 });
    const next = rows[limit];
    return {
      repositories: rows.slice(0, limit).map((r) => presentRepository({ ...r, namespace: ns })),
      nextPageStart: next?.name ?? "",
    };
  }

  async get(principal: Principal, namespace: string, name: string): Promise<RepositoryView> {
    return presentRepository((await this.visible(principal, namespace, name)).repo);
  }

  /** Repository admins change the mutable fields; a change (and only a change) emits REPO_UPDATED. */
  async update(principal: Principal, namespace: string, name: string, input: UpdateRepositoryInput): Promise<RepositoryView> {
    const repo = await this.administered(principal, namespace, name);
    const data: Prisma.RepositoryUpdateInput = {};
    for (const field of MUTABLE) {
      const value = input[field];
      if (value !== undefined && value !== repo[field]) Object.assign(data, { [field]: value });
    }
    if (Object.keys(data).length === 0) return presentRepository(repo);
    let updated;
    try {
      updated = await this.db.repository.update({ where: { id: repo.id }, data });
    } catch (err) {
      if (isNotFound(err)) throw noSuchRepository(`${namespace}/${name}`);
      throw err;
    }
    const after = { ...updated, namespace: repo.namespace };
    await this.announce("REPO_UPDATED", principal, after);
    return presentRepository(after);
  }

  /** Repository admins; the webhooks keyed to the repository (anyone's) go with it, with their delivery logs. */
  async delete(principal: Principal, namespace: string, name: string): Promise<void> {
    const repo = await this.administered(principal, namespace, name);
    const deleted = await this.db.repository.deleteMany({ where: { id: repo.id } });
    if (deleted.count === 0) throw noSuchRepository(`${namespace}/${name}`);
    await this.announce("REPO_DELETED", principal, repo);
  }

  // ---- team access on a repository ---------------------------------------------------------

  async repositoryGrants(principal: Principal, namespace: string, name: string): Promise<RepositoryGrantsView> {
    return this.grantList(principal, await this.administered(principal, namespace, name));
  }

  /** Namespace admins grant a team of the repository's organization access to it; DTR answers the list after the change. */
  async grantRepository(
    principal: Principal,
    namespace: string,
    name: string,
    teamRef: string,
    accessLevel: GrantLevel,
  ): Promise<RepositoryGrantsView> {
    const { repo, team } = await this.grantTarget(principal, namespace, name, teamRef);
    await this.db.repositoryTeamAccess.upsert({
      where: { repositoryId_teamId: { repositoryId: repo.id, teamId: team.id } },
      update: { accessLevel },
      create: { repositoryId: repo.id, teamId: team.id, accessLevel },
    });
    return this.grantList(principal, repo);
  }

  async revokeRepository(principal: Principal, namespace: string, name: string, teamRef: string): Promise<void> {
    const { repo, team } = await this.grantTarget(principal, namespace, name, teamRef);
    const removed = await this.db.repositoryTeamAccess.deleteMany({ where: { repositoryId: repo.id, teamId: team.id } });
    if (removed.count === 0) {
      throw new ApiError("NO_SUCH_TEAM", `team ${team.name} has no access to ${namespace}/${name}`);
    }
  }

  // ---- team access on a whole namespace ----------------------------------------------------

  async namespaceGrants(principal: Principal, namespace: string): Promise<{ namespace: string; teamAccessList: TeamGrantView[] }> {
    const ns = await this.access.requireNamespaceAdmin(principal, namespace);
    const grants = await this.db.namespaceTeamAccess.findMany({
      where: { namespaceId: ns.id },
      include: { team: { include: withCount } },
      orderBy: { team: { name: "asc" } },
    });
    return { namespace: ns.name, teamAccessList: await this.grantViews(principal, grants) };
  }

  async grantNamespace(
    principal: Principal,
    namespace: string,
    teamRef: string,
    accessLevel: GrantLevel,
  ): Promise<{ accessLevel: GrantLevel; team: GrantTeamView; namespace: string }> {
    const { ns, team } = await this.namespaceGrantTarget(principal, namespace, teamRef);
    await this.db.namespaceTeamAccess.upsert({
      where: { namespaceId_teamId: { namespaceId: ns.id, teamId: team.id } },
      update: { accessLevel },
      create: { namespaceId: ns.id, teamId: team.id, accessLevel },
    });
    const member = await this.memberOf(principal, [team.id]);
    return { accessLevel, team: { ...presentTeam(team), clientUserIsMember: member.has(team.id) }, namespace: ns.name };
  }

  async revokeNamespace(principal: Principal, namespace: string, teamRef: string): Promise<void> {
    const { ns, team } = await this.namespaceGrantTarget(principal, namespace, teamRef);
    const removed = await this.db.namespaceTeamAccess.deleteMany({ where: { namespaceId: ns.id, teamId: team.id } });
    if (removed.count === 0) throw new ApiError("NO_SUCH_TEAM", `team ${team.name} has no access to namespace ${namespace}`);
  }

  private async grantList(principal: Principal, repo: RepositoryWithNamespace): Promise<RepositoryGrantsView> {
    const grants = await this.db.repositoryTeamAccess.findMany({
      where: { repositoryId: repo.id },
      include: { team: { include: withCount } },
      orderBy: { team: { name: "asc" } },
    });
    return { repository: presentRepository(repo), teamAccessList: await this.grantViews(principal, grants) };
  }

  /** Grants as DTR shows them: each team with clientUserIsMember, the caller's membership. */
  private async grantViews(principal: Principal, grants: { accessLevel: string; team: TeamWithCount }[]): Promise<TeamGrantView[]> {
    const member = await this.memberOf(principal, grants.map((g) => g.team.id));
    return grants.map((g) => ({
      accessLevel: asGrant(g.accessLevel),
      team: { ...presentTeam(g.team), clientUserIsMember: member.has(g.team.id) },
    }));
  }

  /** Which of these teams the caller is a member of. */
  private async memberOf(principal: Principal, teamIds: string[]): Promise<Set<string>> {
    const mine = await this.db.teamMember.findMany({ where: { userId: principal.id, teamId: { in: teamIds } }, select: { teamId: true } });
    return new Set(mine.map((m) => m.teamId));
  }

  // ---- rules -------------------------------------------------------------------------------

  /** The repository and the caller's level on it; 404 when the caller may not even read it. */
  private visible(principal: Principal, namespace: string, name: string): Promise<ReadableRepository> {
    return this.access.readableRepository(principal, namespace, name);
  }

  private administered(principal: Principal, namespace: string, name: string): Promise<RepositoryWithNamespace> {
    return this.access.requireRepositoryAdmin(principal, namespace, name);
  }

  private async hasNamespaceGrant(principal: Principal, ns: Account, needed: AccessLevel): Promise<boolean> {
    const levels = (["read-only", "read-write", "admin"] as const).filter((l) => atLeast(l, needed));
    const grant = await this.db.namespaceTeamAccess.findFirst({
      where: { namespaceId: ns.id, accessLevel: { in: [...levels] }, team: { members: { some: { userId: principal.id } } } },
      select: { teamId: true },
    });
    return grant !== null;
  }

  private requireOrganization(ns: Account): void {
    if (!ns.isOrg) {
      throw invalidParameter("namespace", `${ns.name} is a user namespace: only organizations have teams`);
    }
  }

  private async grantTarget(principal: Principal, namespace: string, name: string, teamRef: string) {
    const { repo } = await this.visible(principal, namespace, name);
    if (!(await this.access.isNamespaceAdmin(principal, repo.namespace))) {
      throw notAuthorized(`only an admin of namespace ${namespace} may change team access`);
    }
    this.requireOrganization(repo.namespace);
    const team = await findTeamRef(this.db, repo.namespace.id, teamRef);
    if (!team) throw noSuchTeam(namespace, teamRef);
    return { repo, team };
  }

  private async namespaceGrantTarget(principal: Principal, namespace: string, teamRef: string) {
    const ns = await this.access.requireNamespaceAdmin(principal, namespace);
    this.requireOrganization(ns);
    const team = await findTeamRef(this.db, ns.id, teamRef);
    if (!team) throw noSuchTeam(namespace, teamRef);
    return { ns, team };
  }

  private async announce(kind: RepoEventKind, principal: Principal, repo: RepositoryWithNamespace): Promise<void> {
    await this.events.record({ type: "REPO_EVENT", contents: repoEventContents(kind, principal.name, repo), source: "api" });
  }
}
