// Security round two (issue 14): webhooks belong to the account and repository they were made for
// (by id, not by a name that can be freed and taken again), private repositories do not show
// through the webhook endpoints, and an account id always means that account.
import { randomUUID } from "node:crypto";
import { ADMIN, as, createTestContext, type TestContext } from "./support/test-context.js";
import { createOrg, createRepo, createTeam, createUser, grantNamespace, grantRepo, type UserFixture } from "./support/fixtures.js";
import { seedDeliveries } from "./support/delivery-seed.js";

let ctx: TestContext;
const admin = () => as(ctx, ADMIN.username, ADMIN.password);
const user = (u: UserFixture) => as(ctx, u.name, u.password);
const errorOf = (body: unknown) => (body as { errors: { code: string; message: string; detail?: unknown }[] }).errors[0]!;
const ids = (list: unknown): string[] => (list as { id: string }[]).map((w) => w.id);

const subscribe = (u: UserFixture, key: string) =>
  user(u).post("/api/v0/webhooks").send({ type: "TAG_PUSH", key, endpoint: "https://example.com/h" });

async function hook(u: UserFixture | null, type: string, key: string): Promise<string> {
  const res = await (u ? user(u) : admin()).post("/api/v0/webhooks").send({ type, key, endpoint: "https://example.com/h" }).expect(201);
  return (res.body as { id: string }).id;
}

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.close();
});

describe("item 1: an account's name taken again does not take its webhooks", () => {
  let alice: UserFixture;
  let bob: UserFixture;
  let mallory: UserFixture;
  let bobsHook: string;
  let alicesHook: string;

  beforeAll(async () => {
    alice = await createUser(ctx, "alice");
    bob = await createUser(ctx, "bob");
    mallory = await createUser(ctx, "mallory");
    const old = await createOrg(ctx, "alice-old", { owners: [alice] });
    const app = await createRepo(ctx, old, "app");
    await grantRepo(ctx, await createTeam(ctx, old, "ops", [bob]), app, "admin");
    bobsHook = await hook(bob, "TAG_PUSH", "alice-old/app");
    alicesHook = await hook(alice, "REPO_EVENT", "alice-old");
    await seedDeliveries(ctx, bobsHook, [{ createdAt: "2026-11-01T10:00:00Z", status: "failed" }]);

    await admin().delete("/enzi/v0/accounts/alice-old").expect(204);
    await user(mallory).post("/enzi/v0/accounts").send({ name: "alice-old", isOrg: true }).expect(201);
    await user(mallory).post("/api/v0/repositories/alice-old").send({ name: "app" }).expect(201);
  });

  it("deletes the webhooks keyed to the account and its repositories with it, whoever authored them", async () => {
    const left = await ctx.deps.services.db.webhook.findMany({ where: { id: { in: [bobsHook, alicesHook] } } });
    expect(left).toEqual([]);
    expect(await ctx.deps.services.db.delivery.count({ where: { webhookId: bobsHook } })).toBe(0);
    expect(ids((await user(bob).get("/api/v0/webhooks").expect(200)).body)).not.toContain(bobsHook);
  });

  it("shows the new owner of the name none of them: listings, secrets, delivery logs, rotation", async () => {
    const listings = ["/api/v0/accounts/alice-old/webhooks", "/api/v0/repositories/alice-old/webhooks", "/api/v0/repositories/alice-old/app/webhooks"];
    for (const path of listings) {
      const res = await user(mallory).get(path).expect(200);
      expect(ids(res.body)).toEqual([]);
    }
    for (const id of [bobsHook, alicesHook]) {
      for (const res of [
        await user(mallory).get(`/api/v0/webhooks/${id}/secret`),
        await user(mallory).post(`/api/v0/webhooks/${id}/secret/rotate`),
        await user(mallory).get(`/api/v0/webhooks/${id}/deliveries`),
        await user(mallory).post("/api/v0/webhooks/update").send({ id, inactive: true }),
        await user(mallory).delete(`/api/v0/webhooks/${id}`),
      ]) {
        expect({ status: res.status, code: errorOf(res.body).code }).toEqual({ status: 404, code: "NO_SUCH_WEBHOOK" });
      }
    }
  });

  it("binds the new owner's own webhooks to the new account", async () => {
    const mine = await hook(mallory, "TAG_PUSH", "alice-old/app");
    const row = await ctx.deps.services.db.webhook.findUniqueOrThrow({ where: { id: mine } });
    const account = await ctx.deps.services.db.account.findUniqueOrThrow({ where: { name: "alice-old" } });
    const repo = await ctx.deps.services.db.repository.findFirstOrThrow({ where: { namespaceId: account.id, name: "app" } });
    expect({ namespaceId: row.namespaceId, repositoryId: row.repositoryId }).toEqual({ namespaceId: account.id, repositoryId: repo.id });
    // The MSR object is unchanged: the key is still the name.
    const listed = await user(mallory).get("/api/v0/repositories/alice-old/app/webhooks").expect(200);
    expect(listed.body).toEqual([expect.objectContaining({ id: mine, key: "alice-old/app", authorID: mallory.id })]);
  });
});

describe("item 1: a repository deleted and created again by someone else", () => {
  let olga: UserFixture;
  let bob: UserFixture;
  let carol: UserFixture;
  let bobsHook: string;
  let olgasNamespaceHook: string;

  beforeAll(async () => {
    olga = await createUser(ctx, "olga");
    bob = await createUser(ctx, "bob2");
    carol = await createUser(ctx, "carol");
    const acme = await createOrg(ctx, "acme", { owners: [olga] });
    const app = await createRepo(ctx, acme, "app");
    await grantRepo(ctx, await createTeam(ctx, acme, "app-admins", [bob]), app, "admin");
    await grantNamespace(ctx, await createTeam(ctx, acme, "builders", [carol]), acme, "admin");
    bobsHook = await hook(bob, "TAG_PUSH", "acme/app");
    olgasNamespaceHook = await hook(olga, "TAG_PUSH", "acme");
    await seedDeliveries(ctx, bobsHook, [{ createdAt: "2026-11-01T10:00:00Z" }]);

    await user(olga).delete("/api/v0/repositories/acme/app").expect(204);
    await user(carol).post("/api/v0/repositories/acme").send({ name: "app", visibility: "private" }).expect(201);
  });

  it("deletes the repository's webhooks with it and keeps the namespace's", async () => {
    expect(await ctx.deps.services.db.webhook.findUnique({ where: { id: bobsHook } })).toBeNull();
    expect(await ctx.deps.services.db.webhook.findUnique({ where: { id: olgasNamespaceHook } })).not.toBeNull();
  });

  it("shows the admin of the new repository nothing of the old one's webhooks", async () => {
    const listed = await user(carol).get("/api/v0/repositories/acme/app/webhooks").expect(200);
    expect(ids(listed.body)).toEqual([]);
    for (const res of [
      await user(carol).get(`/api/v0/webhooks/${bobsHook}/secret`),
      await user(carol).get(`/api/v0/webhooks/${bobsHook}/deliveries`),
      await user(carol).post(`/api/v0/webhooks/${bobsHook}/secret/rotate`),
    ]) {
      expect(res.status).toBe(404);
    }
    // The author's own view agrees: the subscription is gone, not merely forbidden.
    const own = await user(bob).get(`/api/v0/webhooks/${bobsHook}/secret`).expect(404);
    expect(errorOf(own.body).code).toBe("NO_SUCH_WEBHOOK");
  });
});

describe("item 9: a private repository does not show through the webhook endpoints", () => {
  let otto: UserFixture;
  let rita: UserFixture;
  let owner: UserFixture;

  beforeAll(async () => {
    owner = await createUser(ctx, "vera");
    otto = await createUser(ctx, "otto");
    rita = await createUser(ctx, "rita");
    const org = await createOrg(ctx, "hush", { owners: [owner] });
    const secret = await createRepo(ctx, org, "secret", "private");
    await createRepo(ctx, org, "open", "public");
    await grantRepo(ctx, await createTeam(ctx, org, "readers", [rita]), secret, "read-only");
  });

  it("answers a caller who cannot read it exactly as for a repository that does not exist", async () => {
    for (const repo of ["secret", "no-such-repo"]) {
      const listed = await user(otto).get(`/api/v0/repositories/hush/${repo}/webhooks`).expect(404);
      expect(errorOf(listed.body)).toEqual({ code: "NO_SUCH_REPOSITORY", message: `repository hush/${repo} not found` });
      const created = await subscribe(otto, `hush/${repo}`).expect(404);
      expect(errorOf(created.body)).toEqual({ code: "NO_SUCH_REPOSITORY", message: `repository hush/${repo} not found` });
    }
    expect(await ctx.deps.services.db.webhook.count({ where: { key: { startsWith: "hush/" } } })).toBe(0);
  });

  it("answers 403 to a caller who can read it but does not administer it", async () => {
    for (const [who, repo] of [[rita, "secret"], [otto, "open"]] as const) {
      const listed = await user(who).get(`/api/v0/repositories/hush/${repo}/webhooks`).expect(403);
      expect(errorOf(listed.body).code).toBe("NOT_AUTHORIZED");
      const created = await subscribe(who, `hush/${repo}`).expect(403);
      expect(errorOf(created.body).code).toBe("NOT_AUTHORIZED");
    }
  });

  it("answers the same for team access on the repository", async () => {
    const hidden = await user(otto).get("/api/v0/repositories/hush/secret/teamAccess").expect(404);
    expect(errorOf(hidden.body).code).toBe("NO_SUCH_REPOSITORY");
    await user(rita).get("/api/v0/repositories/hush/secret/teamAccess").expect(403);
  });

  it("keeps 403 on the namespace listings: every signed-in user may read an account", async () => {
    await user(otto).get("/enzi/v0/accounts/hush").expect(200);
    for (const path of ["/api/v0/accounts/hush/webhooks", "/api/v0/repositories/hush/webhooks"]) {
      expect(errorOf((await user(otto).get(path).expect(403)).body).code).toBe("NOT_AUTHORIZED");
    }
    const none = await user(otto).get("/api/v0/accounts/no-such-account/webhooks").expect(404);
    expect(errorOf(none.body).code).toBe("NO_SUCH_ACCOUNT");
  });
});

describe("item 10: an account or team id always means that account or team", () => {
  it.each([
    ["an organization", { isOrg: true }],
    ["a user", { password: "a-long-password" }],
  ])("refuses %s named like a UUID (400 INVALID_PARAMETERS on name)", async (_what, extra) => {
    const victim = await createUser(ctx, `victim-${randomUUID().slice(0, 8)}`);
    for (const name of [victim.id, randomUUID()]) {
      const res = await admin().post("/enzi/v0/accounts").send({ name, ...extra }).expect(400);
      expect(errorOf(res.body)).toMatchObject({ code: "INVALID_PARAMETERS", detail: { field: "name" } });
      expect(errorOf(res.body).message).toMatch(/UUID/);
    }
    expect(await ctx.deps.services.db.account.count({ where: { name: victim.id } })).toBe(0);
  });

  it("looks a bare UUID up by id only, even when an older account carries it as its name", async () => {
    const victim = await createUser(ctx, "victim-by-id");
    // An account made before names like this were refused.
    const impostor = await ctx.deps.services.db.account.create({ data: { id: randomUUID(), name: victim.id, isOrg: true } });
    const got = await admin().get(`/enzi/v0/accounts/${victim.id}`).expect(200);
    expect(got.body).toMatchObject({ id: victim.id, name: "victim-by-id" });
    await admin().get(`/enzi/v0/accounts/id:${victim.id}`).expect(200, got.body as object);
    // A UUID that is no account's id is unknown, whatever account is named so.
    await ctx.deps.services.db.account.delete({ where: { id: victim.id } });
    const gone = await admin().get(`/enzi/v0/accounts/${victim.id}`).expect(404);
    expect(errorOf(gone.body).code).toBe("NO_SUCH_ACCOUNT");
    await admin().get(`/enzi/v0/accounts/id:${impostor.id}`).expect(200);
  });

  it("refuses a team named like a UUID and looks a bare UUID up by team id only", async () => {
    const owner = await createUser(ctx, "tess");
    const org = await createOrg(ctx, "teamy", { owners: [owner] });
    const devs = await createTeam(ctx, org, "devs", [owner]);
    const res = await user(owner).post("/enzi/v0/accounts/teamy/teams").send({ name: devs.id }).expect(400);
    expect(errorOf(res.body)).toMatchObject({ code: "INVALID_PARAMETERS", detail: { field: "name" } });
    const renamed = await user(owner).patch("/enzi/v0/accounts/teamy/teams/devs").send({ name: randomUUID() }).expect(400);
    expect(errorOf(renamed.body)).toMatchObject({ code: "INVALID_PARAMETERS", detail: { field: "name" } });
    // A team made before names like this were refused.
    await ctx.deps.services.db.team.create({ data: { id: randomUUID(), orgId: org.id, name: devs.id } });
    const got = await user(owner).get(`/enzi/v0/accounts/teamy/teams/${devs.id}`).expect(200);
    expect(got.body).toMatchObject({ id: devs.id, name: "devs" });
  });
});
