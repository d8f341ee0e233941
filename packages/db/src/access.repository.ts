// Access rules of MSR (contract section 5) computed in SQL, always on ids: a user's level on a
// repository (own namespace, organization owner, team grants on the repository or its whole
// namespace, public visibility), namespace administration (of the namespace itself, and of every
// repository in it), and "does this user administer what a subscription is bound to", which the
// API (managing a webhook) and the worker (fan-out) share.
// Plain SQL over a SqlRunner's query (sql-runner.ts): the worker answers these over its pg pool (it
// keeps no Prisma client), the API over its Prisma client (prismaRunner); the statements are the same.
import { Prisma } from "../generated/client/index.js";
import type { SqlRunner } from "./sql-runner.js";

/** What the access rules need of a SqlRunner: they only read. */
export type AccessQuery = Pick<SqlRunner, "query">;

export type AccessLevel = "none" | "read-only" | "read-write" | "admin";

const LEVELS: AccessLevel[] = ["none", "read-only", "read-write", "admin"];

export function levelRank(level: AccessLevel): number {
  return LEVELS.indexOf(level);
}

export function atLeast(level: AccessLevel, needed: AccessLevel): boolean {
  return levelRank(level) >= levelRank(needed);
}

export interface Actor {
  id: string;
  isAdmin: boolean;
}

export interface RepositoryRef {
  id: string;
  namespaceId: string;
  visibility: string;
}

interface AccessRow {
  owner: boolean;
  team_level: number | null;
}

/** The highest access the actor holds on the repository. */
export async function repositoryAccess(db: AccessQuery, actor: Actor, repo: RepositoryRef): Promise<AccessLevel> {
  if (actor.isAdmin || actor.id === repo.namespaceId) return "admin";
  const rows = await db.query<AccessRow>(Prisma.sql`
    SELECT
      EXISTS (SELECT 1 FROM "OrgMember" m
              WHERE m."orgId" = ${repo.namespaceId}::uuid AND m."userId" = ${actor.id}::uuid AND m."isOwner") AS owner,
      (SELECT max(CASE g."accessLevel" WHEN 'admin' THEN 3 WHEN 'read-write' THEN 2 WHEN 'read-only' THEN 1 ELSE 0 END)
         FROM (
           SELECT r."accessLevel" FROM "RepositoryTeamAccess" r
             JOIN "TeamMember" t ON t."teamId" = r."teamId"
            WHERE r."repositoryId" = ${repo.id}::uuid AND t."userId" = ${actor.id}::uuid
           UNION ALL
           SELECT n."accessLevel" FROM "NamespaceTeamAccess" n
             JOIN "TeamMember" t ON t."teamId" = n."teamId"
            WHERE n."namespaceId" = ${repo.namespaceId}::uuid AND t."userId" = ${actor.id}::uuid
         ) g)::int AS team_level`);
  const row = rows[0];
  if (row?.owner) return "admin";
  const teamLevel = LEVELS[row?.team_level ?? 0] ?? "none";
  if (repo.visibility === "public" && levelRank(teamLevel) < levelRank("read-only")) return "read-only";
  return teamLevel;
}

/** Namespace admin: the actor's own namespace, an organization the actor owns, or a system admin. */
export async function isNamespaceAdmin(db: AccessQuery, actor: Actor, namespaceId: string): Promise<boolean> {
  if (actor.isAdmin || actor.id === namespaceId) return true;
  const rows = await db.query<NamespaceAdminRow>(Prisma.sql`
    SELECT EXISTS (SELECT 1 FROM "OrgMember" m
                    WHERE m."orgId" = ${namespaceId}::uuid AND m."userId" = ${actor.id}::uuid AND m."isOwner") AS admin`);
  return rows[0]?.admin === true;
}

interface NamespaceAdminRow {
  admin: boolean;
}

/**
 * Admin of every repository in the namespace, which is what a subscription keyed to the namespace
 * covers (REPO_EVENT, or a repository event type with a bare namespace key): a namespace admin, or a
 * member of a team with `admin` access on the whole namespace (DTR 2.7 Swagger, CreateRepository:
 * "admin access to the repository namespace (i.e. ... a member of a team with "admin" level access
 * to the organization's namespace of repositories)"). Managing the namespace's team grants stays
 * with namespace admins (isNamespaceAdmin).
 */
export async function administersNamespaceRepositories(db: AccessQuery, actor: Actor, namespaceId: string): Promise<boolean> {
  if (actor.isAdmin || actor.id === namespaceId) return true;
  const rows = await db.query<NamespaceAdminRow>(Prisma.sql`
    SELECT EXISTS (SELECT 1 FROM "OrgMember" m
                    WHERE m."orgId" = ${namespaceId}::uuid AND m."userId" = ${actor.id}::uuid AND m."isOwner")
        OR EXISTS (SELECT 1 FROM "NamespaceTeamAccess" n
                     JOIN "TeamMember" t ON t."teamId" = n."teamId"
                    WHERE n."namespaceId" = ${namespaceId}::uuid AND t."userId" = ${actor.id}::uuid
                      AND n."accessLevel" = 'admin') AS admin`);
  return rows[0]?.admin === true;
}

/** What a subscription is bound to: a repository (both ids), a namespace (namespaceId only), or everything (neither). */
export interface SubscriptionScope {
  namespaceId: string | null;
  repositoryId: string | null;
}

/**
 * Whether the actor administers what the subscription is bound to: a repository needs repository
 * admin, a namespace admin of every repository in it (administersNamespaceRepositories), the
 * global scope a system admin.
 */
export async function administersScope(db: AccessQuery, actor: Actor, scope: SubscriptionScope): Promise<boolean> {
  if (actor.isAdmin) return true;
  if (scope.namespaceId === null) return false;
  if (scope.repositoryId === null) return administersNamespaceRepositories(db, actor, scope.namespaceId);
  // Visibility only ever adds read-only access, so it cannot make anyone an admin.
  const level = await repositoryAccess(db, actor, { id: scope.repositoryId, namespaceId: scope.namespaceId, visibility: "private" });
  return level === "admin";
}
