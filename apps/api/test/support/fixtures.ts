// Identity fixtures written straight to the test database (fast, and independent of the
// endpoints under test): users with passwords and tokens, organizations, teams, grants,
// repositories.
import { randomUUID } from "node:crypto";
import type { TestContext } from "./test-context.js";
import { hashSecret } from "../../src/identity/secret-hash.js";
import { newToken } from "../../src/identity/api-token.js";
import { seedTeam } from "@msr-webhooks/testing/team-seed";

export interface UserFixture {
  id: string;
  name: string;
  password: string;
}

export async function createUser(ctx: TestContext, name: string, opts: { admin?: boolean } = {}): Promise<UserFixture> {
  const password = `pw-${name}-secret`;
  const id = randomUUID();
  await ctx.deps.services.db.account.create({
    data: { id, name, isAdmin: opts.admin ?? false, passwordHash: await hashSecret(password) },
  });
  return { id, name, password };
}

export async function createToken(ctx: TestContext, user: { id: string }, role: "user" | "producer" = "user"): Promise<{ id: string; token: string }> {
  const t = newToken();
  await ctx.deps.services.db.apiToken.create({
    data: { id: t.id, accountId: user.id, label: "fixture", role, secretHash: await hashSecret(t.secret) },
  });
  return { id: t.id, token: t.token };
}

export async function createOrg(
  ctx: TestContext,
  name: string,
  members: { owners?: { id: string }[]; members?: { id: string }[] } = {},
): Promise<{ id: string; name: string }> {
  const id = randomUUID();
  const db = ctx.deps.services.db;
  await db.account.create({ data: { id, name, isOrg: true } });
  for (const o of members.owners ?? []) await db.orgMember.create({ data: { orgId: id, userId: o.id, isOwner: true } });
  for (const m of members.members ?? []) await db.orgMember.create({ data: { orgId: id, userId: m.id, isOwner: false } });
  return { id, name };
}

export async function createTeam(
  ctx: TestContext,
  org: { id: string },
  name: string,
  members: { id: string }[],
): Promise<{ id: string; name: string }> {
  return seedTeam(ctx.deps.services.db, org, name, members);
}

export async function createRepo(
  ctx: TestContext,
  namespace: { id: string },
  name: string,
  visibility: "public" | "private" = "private",
): Promise<{ id: string; name: string }> {
  const id = randomUUID();
  await ctx.deps.services.db.repository.create({ data: { id, namespaceId: namespace.id, name, visibility } });
  return { id, name };
}

export type Level = "read-only" | "read-write" | "admin";

export async function grantRepo(ctx: TestContext, team: { id: string }, repo: { id: string }, accessLevel: Level): Promise<void> {
  await ctx.deps.services.db.repositoryTeamAccess.create({ data: { teamId: team.id, repositoryId: repo.id, accessLevel } });
}

export async function grantNamespace(ctx: TestContext, team: { id: string }, ns: { id: string }, accessLevel: Level): Promise<void> {
  await ctx.deps.services.db.namespaceTeamAccess.create({ data: { teamId: team.id, namespaceId: ns.id, accessLevel } });
}
