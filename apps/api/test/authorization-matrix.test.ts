// Who may call which webhook endpoint (MSR contract sections 1, 2 and 5), table-driven: every
// endpoint against every kind of caller, and the admin-only subscription rules. A refused
// request must leave the webhook table exactly as it was.
import type { Test } from "supertest";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { ADMIN, anon, as, createTestContext, type TestContext } from "./support/test-context.js";
import {
  createOrg,
  createRepo,
  createTeam,
  createToken,
  createUser,
  grantNamespace,
  grantRepo,
  type UserFixture,
} from "./support/fixtures.js";

type Client = ReturnType<typeof anon>;

interface Target {
  ns: string;
  repo: string;
}

type Actor =
  | "anonymous"
  | "wrong password"
  | "revoked token"
  | "outsider"
  | "read-write team member"
  | "read-only team member"
  | "repository admin via team"
  | "namespace-wide team admin"
  | "organization owner"
  | "organization owner via token"
  | "namespace owner (own user namespace)"
  | "system admin";

interface Row {
  actor: Actor;
  target: Target;
}

interface Endpoint {
  name: string;
  call(client: Client, t: Target, hookId: string, receiver: string): Test;
  /** Expected status for each signed-in actor; the unauthenticated ones always get 401. */
  expect: Partial<Record<Actor, number>>;
  /** Status for signed-in actors not listed. */
  otherwise: number;
  /** The code of a 404, when it is not NO_SUCH_WEBHOOK. */
  notFound?: string;
}

const ACME: Target = { ns: "acme", repo: "app" };
const NINA: Target = { ns: "nina", repo: "app" };

const ROWS: Row[] = [
  { actor: "anonymous", target: ACME },
  { actor: "wrong password", target: ACME },
  { actor: "revoked token", target: ACME },
  { actor: "outsider", target: ACME },
  { actor: "read-only team member", target: ACME },
  { actor: "read-write team member", target: ACME },
  { actor: "repository admin via team", target: ACME },
  { actor: "namespace-wide team admin", target: ACME },
  { actor: "organization owner", target: ACME },
  { actor: "organization owner via token", target: ACME },
  { actor: "namespace owner (own user namespace)", target: NINA },
  { actor: "system admin", target: ACME },
];

const UNAUTHENTICATED: Actor[] = ["anonymous", "wrong password", "revoked token"];
const NO_ACCESS: Actor[] = ["outsider", "read-only team member", "read-write team member"];
/** Those of NO_ACCESS who may read the (private) repository, and so learn that it exists. */
const READERS: Actor[] = ["read-only team member", "read-write team member"];
const REPO_ADMINS: Actor[] = ["repository admin via team", "namespace-wide team admin"];
/**
 * What a namespace key needs: admin of every repository in the namespace, which a team with admin on
 * the whole namespace gives (DTR access levels) and a team with admin on one repository does not.
 */
const REPOSITORY_ONLY_ADMIN_403: Partial<Record<Actor, number>> = { "repository admin via team": 403 };
const NAMESPACE_ADMINS: Actor[] = [
  "organization owner",
  "organization owner via token",
  "namespace owner (own user namespace)",
  "system admin",
];

const all = (actors: Actor[], status: number): Partial<Record<Actor, number>> =>
  Object.fromEntries(actors.map((a) => [a, status]));

const endpoint = (
  name: string,
  call: Endpoint["call"],
  expect: Partial<Record<Actor, number>>,
  otherwise: number,
  notFound?: string,
): Endpoint => ({ name, call, expect, otherwise, notFound });

const ENDPOINTS: Endpoint[] = [
  endpoint(
    "POST /webhooks keyed to the repository",
    (c, t) => c.post("/api/v0/webhooks").send({ type: "TAG_PUSH", key: `${t.ns}/${t.repo}`, endpoint: "https://example.com/h" }),
    { outsider: 404, ...all(READERS, 403) },
    201,
    "NO_SUCH_REPOSITORY",
  ),
  endpoint(
    "POST /webhooks with a repository type keyed to the whole namespace",
    (c, t) => c.post("/api/v0/webhooks").send({ type: "TAG_PUSH", key: t.ns, endpoint: "https://example.com/h" }),
    { ...all(NO_ACCESS, 403), ...REPOSITORY_ONLY_ADMIN_403 },
    201,
  ),
  endpoint(
    "POST /webhooks REPO_EVENT keyed to the namespace",
    (c, t) => c.post("/api/v0/webhooks").send({ type: "REPO_EVENT", key: t.ns, endpoint: "https://example.com/h" }),
    { ...all(NO_ACCESS, 403), ...REPOSITORY_ONLY_ADMIN_403 },
    201,
  ),
  endpoint(
    "POST /webhooks REPO_DELETED keyed to the namespace",
    (c, t) => c.post("/api/v0/webhooks").send({ type: "REPO_DELETED", key: t.ns, endpoint: "https://example.com/h" }),
    { ...all(NO_ACCESS, 403), ...REPOSITORY_ONLY_ADMIN_403 },
    201,
  ),
  endpoint(
    "POST /webhooks without a key",
    (c) => c.post("/api/v0/webhooks").send({ type: "TAG_PUSH", endpoint: "https://example.com/h" }),
    { "system admin": 201 },
    403,
  ),
  endpoint(
    "POST /webhooks SCANNER_UPDATE_COMPLETED",
    (c) => c.post("/api/v0/webhooks").send({ type: "SCANNER_UPDATE_COMPLETED", endpoint: "https://example.com/h" }),
    { "system admin": 201 },
    403,
  ),
  endpoint("GET /webhooks", (c) => c.get("/api/v0/webhooks?webhookType=any"), {}, 200),
  endpoint(
    "POST /webhooks/update",
    (c, _t, id) => c.post("/api/v0/webhooks/update").send({ id, inactive: true }),
    all(NO_ACCESS, 404),
    200,
  ),
  endpoint("DELETE /webhooks/{id}", (c, _t, id) => c.delete(`/api/v0/webhooks/${id}`), all(NO_ACCESS, 404), 204),
  endpoint(
    "POST /webhooks/test",
    (c, _t, _id, receiver) => c.post("/api/v0/webhooks/test").send({ type: "TAG_PUSH", endpoint: receiver, skipTLSVerification: true }),
    {},
    200,
  ),
  endpoint("GET /webhooks/{id}/secret", (c, _t, id) => c.get(`/api/v0/webhooks/${id}/secret`), all(NO_ACCESS, 404), 200),
  endpoint(
    "POST /webhooks/{id}/secret/rotate",
    (c, _t, id) => c.post(`/api/v0/webhooks/${id}/secret/rotate`),
    all(NO_ACCESS, 404),
    200,
  ),
  endpoint(
    "GET /repositories/{ns}/{repo}/webhooks",
    (c, t) => c.get(`/api/v0/repositories/${t.ns}/${t.repo}/webhooks`),
    { outsider: 404, ...all(READERS, 403) },
    200,
    "NO_SUCH_REPOSITORY",
  ),
  endpoint(
    "GET /accounts/{ns}/webhooks",
    (c, t) => c.get(`/api/v0/accounts/${t.ns}/webhooks`),
    { ...all(NO_ACCESS, 403), ...REPOSITORY_ONLY_ADMIN_403 },
    200,
  ),
  endpoint(
    "GET /repositories/{ns}/webhooks",
    (c, t) => c.get(`/api/v0/repositories/${t.ns}/webhooks`),
    { ...all(NO_ACCESS, 403), ...REPOSITORY_ONLY_ADMIN_403 },
    200,
  ),
];

const ERROR_CODES: Record<number, string> = { 401: "NOT_AUTHENTICATED", 403: "NOT_AUTHORIZED", 404: "NO_SUCH_WEBHOOK" };

function expectedStatus(e: Endpoint, actor: Actor): number {
  if (UNAUTHENTICATED.includes(actor)) return 401;
  return e.expect[actor] ?? e.otherwise;
}

let ctx: TestContext;
let receiver: Receiver;
const clients = new Map<Actor, () => Client>();

async function snapshot(): Promise<string> {
  const rows = await ctx.deps.services.db.webhook.findMany({ orderBy: { id: "asc" } });
  return JSON.stringify(rows);
}

async function freshHook(t: Target): Promise<string> {
  const res = await as(ctx, ADMIN.username, ADMIN.password)
    .post("/api/v0/webhooks")
    .send({ type: "TAG_PUSH", key: `${t.ns}/${t.repo}`, endpoint: "https://example.com/subject" })
    .expect(201);
  return (res.body as { id: string }).id;
}

beforeAll(async () => {
  // Each subject creates many webhooks on one key: past the default WEBHOOKS_PER_USER/WEBHOOKS_PER_KEY.
  ctx = await createTestContext({ WEBHOOKS_PER_USER: "100000", WEBHOOKS_PER_KEY: "100000" });
  receiver = await startReceiver();
  const user = (u: UserFixture) => () => as(ctx, u.name, u.password);

  const owner = await createUser(ctx, "olga");
  const outsider = await createUser(ctx, "otto");
  const readOnly = await createUser(ctx, "rita");
  const readWrite = await createUser(ctx, "rick");
  const repoAdmin = await createUser(ctx, "ravi");
  const nsTeamAdmin = await createUser(ctx, "nate");
  const nina = await createUser(ctx, "nina");
  const revoked = await createUser(ctx, "rex");

  const acme = await createOrg(ctx, "acme", { owners: [owner] });
  const app = await createRepo(ctx, acme, "app");
  await createRepo(ctx, nina, "app");
  for (const [name, member, level] of [
    ["readers", readOnly, "read-only"],
    ["writers", readWrite, "read-write"],
    ["admins", repoAdmin, "admin"],
  ] as const) {
    await grantRepo(ctx, await createTeam(ctx, acme, name, [member]), app, level);
  }
  await grantNamespace(ctx, await createTeam(ctx, acme, "ns-admins", [nsTeamAdmin]), acme, "admin");

  const ownerToken = await createToken(ctx, owner);
  const revokedToken = await createToken(ctx, revoked);
  // The token works before it is revoked (and is cached by then), so a 401 afterwards is the revocation.
  await as(ctx, revoked.name, revokedToken.token).get("/api/v0/webhooks").expect(200);
  await ctx.deps.services.db.apiToken.delete({ where: { id: revokedToken.id } });
  ctx.deps.services.auth.invalidate();

  clients.set("anonymous", () => anon(ctx));
  clients.set("wrong password", () => as(ctx, owner.name, "not-the-password"));
  clients.set("revoked token", () => as(ctx, revoked.name, revokedToken.token));
  clients.set("outsider", user(outsider));
  clients.set("read-only team member", user(readOnly));
  clients.set("read-write team member", user(readWrite));
  clients.set("repository admin via team", user(repoAdmin));
  clients.set("namespace-wide team admin", user(nsTeamAdmin));
  clients.set("organization owner", user(owner));
  clients.set("organization owner via token", () => as(ctx, owner.name, ownerToken.token));
  clients.set("namespace owner (own user namespace)", user(nina));
  clients.set("system admin", () => as(ctx, ADMIN.username, ADMIN.password));
});

afterAll(async () => {
  await receiver.close();
  await ctx.close();
});

it("sorts every actor of the table into exactly one access group", () => {
  const grouped = [...UNAUTHENTICATED, ...NO_ACCESS, ...REPO_ADMINS, ...NAMESPACE_ADMINS];
  expect([...grouped].sort()).toEqual(ROWS.map((r) => r.actor).sort());
});

describe.each(ROWS)("$actor on $target.ns/$target.repo", ({ actor, target }) => {
  it.each(ENDPOINTS.map((e) => [e.name, e] as const))("%s", async (_name, e) => {
    const hookId = await freshHook(target);
    const before = await snapshot();
    const status = expectedStatus(e, actor);
    const res = await e.call(clients.get(actor)!(), target, hookId, receiver.url);
    expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status });
    if (status >= 400) {
      expect(res.body.errors[0].code).toBe(status === 404 && e.notFound ? e.notFound : ERROR_CODES[status]);
      if (status === 401) expect(res.headers["www-authenticate"]).toMatch(/^Basic/);
      expect(await snapshot()).toBe(before);
    }
  });
});

describe("admin-only subscription rules", () => {
  const cases: { who: Actor; body: Record<string, unknown>; status: number; code?: string }[] = [
    { who: "organization owner", body: { type: "TAG_PUSH" }, status: 403, code: "NOT_AUTHORIZED" },
    { who: "organization owner", body: { type: "TAG_PUSH", key: "" }, status: 403, code: "NOT_AUTHORIZED" },
    { who: "system admin", body: { type: "TAG_PUSH", key: "" }, status: 201 },
    { who: "organization owner", body: { type: "SCANNER_UPDATE_COMPLETED" }, status: 403, code: "NOT_AUTHORIZED" },
    { who: "organization owner", body: { type: "SCANNER_UPDATE_COMPLETED", key: "acme" }, status: 400, code: "INVALID_WEBHOOK" },
    { who: "system admin", body: { type: "SCANNER_UPDATE_COMPLETED", key: "acme" }, status: 400, code: "INVALID_WEBHOOK" },
    { who: "organization owner", body: { type: "REPO_EVENT", key: "nina" }, status: 403, code: "NOT_AUTHORIZED" },
    { who: "namespace owner (own user namespace)", body: { type: "REPO_EVENT", key: "acme" }, status: 403, code: "NOT_AUTHORIZED" },
    { who: "namespace owner (own user namespace)", body: { type: "REPO_UPDATED", key: "acme" }, status: 403, code: "NOT_AUTHORIZED" },
    { who: "namespace-wide team admin", body: { type: "REPO_EVENT", key: "acme" }, status: 201 },
    { who: "system admin", body: { type: "REPO_EVENT", key: "nina" }, status: 201 },
    { who: "repository admin via team", body: { type: "TAG_PUSH", key: "acme" }, status: 403, code: "NOT_AUTHORIZED" },
    { who: "organization owner", body: { type: "TAG_PUSH", key: "nina/app" }, status: 404, code: "NO_SUCH_REPOSITORY" },
  ];

  it.each(cases)("$who: $body.type key=$body.key → $status", async ({ who, body, status, code }) => {
    const before = await ctx.deps.services.db.webhook.count();
    const res = await clients.get(who)!().post("/api/v0/webhooks").send({ ...body, endpoint: "https://example.com/rule" });
    expect(res.status).toBe(status);
    if (code) {
      expect(res.body.errors[0].code).toBe(code);
      expect(await ctx.deps.services.db.webhook.count()).toBe(before);
    } else {
      expect(await ctx.deps.services.db.webhook.count()).toBe(before + 1);
    }
  });

  it("explains why a normal user may not subscribe globally", async () => {
    const res = await clients.get("organization owner")!()
      .post("/api/v0/webhooks")
      .send({ type: "TAG_PUSH", endpoint: "https://example.com/rule" })
      .expect(403);
    expect(res.body.errors[0].message).toMatch(/key.*required.*system admins/);
    const scanner = await clients.get("organization owner")!()
      .post("/api/v0/webhooks")
      .send({ type: "SCANNER_UPDATE_COMPLETED", endpoint: "https://example.com/rule" })
      .expect(403);
    expect(scanner.body.errors[0].message).toContain("only system admins");
  });
});
