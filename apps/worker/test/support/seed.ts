// Test data written straight to the database with Prisma: accounts, organizations, teams,
// repositories, webhooks, and (for tests that skip ingest) events with their delivery rows.
import { randomBytes, randomUUID } from "node:crypto";
import type { PrismaClient, Webhook } from "@msr-webhooks/db/client";
import { generateSecret } from "@msr-webhooks/events/signing";
import { seedTeam } from "@msr-webhooks/testing/team-seed";

export interface AccountRef {
  id: string;
  name: string;
}

export async function createUser(db: PrismaClient, name: string, opts: { admin?: boolean; active?: boolean } = {}): Promise<AccountRef> {
  const id = randomUUID();
  await db.account.create({ data: { id, name, isAdmin: opts.admin ?? false, isActive: opts.active ?? true } });
  return { id, name };
}

export async function createOrg(db: PrismaClient, name: string, owners: AccountRef[] = []): Promise<AccountRef> {
  const id = randomUUID();
  await db.account.create({ data: { id, name, isOrg: true } });
  for (const owner of owners) await db.orgMember.create({ data: { orgId: id, userId: owner.id, isOwner: true } });
  return { id, name };
}

export async function createTeam(db: PrismaClient, org: AccountRef, name: string, members: AccountRef[]): Promise<{ id: string }> {
  return seedTeam(db, org, name, members);
}

export async function createRepo(db: PrismaClient, namespace: AccountRef, name: string): Promise<{ id: string; name: string }> {
  const id = randomUUID();
  await db.repository.create({ data: { id, namespaceId: namespace.id, name } });
  return { id, name };
}

/** A user `name` who owns the organization "foo" and its repository "foo/bar": most tests' world. */
export async function ownerOfFooBar(db: PrismaClient, name: string, opts: { admin?: boolean } = {}): Promise<AccountRef> {
  const user = await createUser(db, name, opts);
  const foo = await createOrg(db, "foo", [user]);
  await createRepo(db, foo, "bar");
  return user;
}

export async function grantRepo(db: PrismaClient, team: { id: string }, repo: { id: string }, accessLevel: string): Promise<void> {
  await db.repositoryTeamAccess.create({ data: { teamId: team.id, repositoryId: repo.id, accessLevel } });
}

export interface WebhookSeed {
  type: string;
  key: string;
  endpoint: string;
  author: AccountRef;
  inactive?: boolean;
  tlsCert?: string;
  skipTLSVerification?: boolean;
  signingSecret?: string;
  previousSecret?: string | null;
  previousSecretUntil?: Date | null;
  failingSince?: Date | null;
  lastSuccessfulAt?: Date | null;
}

/** What a webhook is bound to: the ids of the account and repository its key names. */
export interface WebhookBinding {
  namespaceId: string | null;
  repositoryId: string | null;
}

/**
 * The ids `key` names, as the API binds a webhook it creates. A webhook can only be made for what
 * exists, so what the test has not made yet is made here: the namespace as an organization without
 * owners, the repository in it.
 */
export async function bindingOf(db: PrismaClient, key: string): Promise<WebhookBinding> {
  if (key === "") return { namespaceId: null, repositoryId: null };
  const [namespace, repository] = key.split("/") as [string, string | undefined];
  const account = (await db.account.findUnique({ where: { name: namespace } })) ?? (await createOrg(db, namespace));
  if (repository === undefined) return { namespaceId: account.id, repositoryId: null };
  const repo =
    (await db.repository.findFirst({ where: { namespaceId: account.id, name: repository } })) ?? (await createRepo(db, account, repository));
  return { namespaceId: account.id, repositoryId: repo.id };
}

export function webhookData(w: WebhookSeed, binding: WebhookBinding) {
  return {
    id: randomBytes(32).toString("hex"),
    type: w.type,
    key: w.key,
    namespaceId: binding.namespaceId,
    repositoryId: binding.repositoryId,
    endpoint: w.endpoint,
    authorId: w.author.id,
    inactive: w.inactive ?? false,
    tlsCert: w.tlsCert ?? "",
    skipTLSVerification: w.skipTLSVerification ?? w.endpoint.startsWith("http:"),
    signingSecret: w.signingSecret ?? generateSecret(),
    previousSecret: w.previousSecret ?? null,
    previousSecretUntil: w.previousSecretUntil ?? null,
    failingSince: w.failingSince ?? null,
    lastSuccessfulAt: w.lastSuccessfulAt ?? null,
  };
}

/** `count` TAG_PUSH subscriptions of `author` to foo/bar, made in one statement; the i-th sends to `${baseUrl}/w${i}`. */
export async function createFooBarSubscriptions(db: PrismaClient, author: AccountRef, count: number, baseUrl: string): Promise<void> {
  const binding = await bindingOf(db, "foo/bar");
  await db.webhook.createMany({
    data: Array.from({ length: count }, (_, i) => webhookData({ type: "TAG_PUSH", key: "foo/bar", endpoint: `${baseUrl}/w${i}`, author }, binding)),
  });
}

export async function createWebhook(db: PrismaClient, w: WebhookSeed): Promise<Webhook> {
  return db.webhook.create({ data: webhookData(w, await bindingOf(db, w.key)) });
}

const TIME_FIELD = { TAG_PUSH: "pushedAt", TAG_PULL: "pulledAt", TAG_DELETE: "deletedAt" } as const;

/** TAG_* contents for `ns/repo:tag`, valid against the schema. */
export function tagContents(
  type: keyof typeof TIME_FIELD,
  namespace: string,
  repository: string,
  tag = "latest",
): Record<string, string> {
  return {
    namespace,
    repository,
    tag,
    digest: "sha256:b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c",
    imageName: `reg.example.com/${namespace}/${repository}:${tag}`,
    os: "linux",
    architecture: "amd64",
    author: "alice",
    [TIME_FIELD[type]]: "2026-11-26T10:00:00Z",
  };
}

export function tagPushContents(namespace: string, repository: string, tag = "latest"): Record<string, string> {
  return tagContents("TAG_PUSH", namespace, repository, tag);
}

/** An event row stored as the API would, without queueing anything. */
export async function insertEvent(
  db: PrismaClient,
  opts: { namespace: string; repository: string; receivedAt?: Date; status?: string; tag?: string },
): Promise<string> {
  const id = randomUUID();
  const tag = opts.tag ?? "latest";
  await db.event.create({
    data: {
      id,
      type: "TAG_PUSH",
      source: "api",
      createdAt: new Date(),
      receivedAt: opts.receivedAt ?? new Date(),
      contents: tagPushContents(opts.namespace, opts.repository, tag),
      location: `/repositories/${opts.namespace}/${opts.repository}/tags/${tag}`,
      namespace: opts.namespace,
      repository: opts.repository,
      status: opts.status ?? "pending",
    },
  });
  return id;
}

/** A delivery row for an event and webhook, as fan-out would write it. */
export async function insertDelivery(
  db: PrismaClient,
  eventId: string,
  webhookId: string,
  opts: { status?: string; attemptCount?: number; nextAttemptAt?: Date | null; createdAt?: Date } = {},
): Promise<string> {
  const id = randomUUID();
  await db.delivery.create({
    data: {
      id,
      eventId,
      webhookId,
      status: opts.status ?? "pending",
      attemptCount: opts.attemptCount ?? 0,
      nextAttemptAt: opts.nextAttemptAt === undefined ? new Date() : opts.nextAttemptAt,
      ...(opts.createdAt ? { createdAt: opts.createdAt } : {}),
    },
  });
  return id;
}
