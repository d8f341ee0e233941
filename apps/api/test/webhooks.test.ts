// The MSR webhook endpoints end to end against real PostgreSQL and Redis: the MSR docs'
// own example, the listings, update, delete, and the signing-secret extension.
import { ZERO_GO_TIME } from "@msr-webhooks/events/go-time";
import { getTestPki } from "@msr-webhooks/testing/tls";
import { ADMIN, anon, as, createTestContext, type TestContext } from "./support/test-context.js";
import {
  createOrg,
  createRepo,
  createTeam,
  createUser,
  grantRepo,
  type UserFixture,
} from "./support/fixtures.js";

const GO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DOCUMENTED_FIELDS = [
  "id",
  "type",
  "key",
  "endpoint",
  "authorID",
  "createdAt",
  "lastSuccessfulAt",
  "inactive",
  "tlsCert",
  "skipTLSVerification",
];

interface WebhookBody {
  id: string;
  type: string;
  key: string;
  endpoint: string;
  authorID: string;
  createdAt: string;
  lastSuccessfulAt: string;
  inactive: boolean;
  tlsCert: string;
  skipTLSVerification: boolean;
}

let ctx: TestContext;
let maria: UserFixture; // owns the organization maria-testorg
let carol: UserFixture; // admin of maria-testorg/lab-words through a team, nothing more
let dave: UserFixture; // admin of lab-words through a team until a test takes it away
let bob: UserFixture; // a normal user with his own namespace
let daveTeamGrant: { teamId: string; repositoryId: string };

const admin = () => as(ctx, ADMIN.username, ADMIN.password);
const user = (u: UserFixture) => as(ctx, u.name, u.password);

async function createHook(u: UserFixture | null, body: Record<string, unknown>): Promise<WebhookBody> {
  const client = u ? user(u) : admin();
  const res = await client.post("/api/v0/webhooks").send(body).expect(201);
  return res.body as WebhookBody;
}

const ids = (list: unknown): string[] => (list as WebhookBody[]).map((w) => w.id).sort();

beforeAll(async () => {
  ctx = await createTestContext();
  maria = await createUser(ctx, "maria");
  carol = await createUser(ctx, "carol");
  dave = await createUser(ctx, "dave");
  bob = await createUser(ctx, "bob");
  const org = await createOrg(ctx, "maria-testorg", { owners: [maria] });
  const labWords = await createRepo(ctx, org, "lab-words");
  await createRepo(ctx, org, "other");
  await createRepo(ctx, bob, "bobrepo");
  const prefixOrg = await createOrg(ctx, "maria-testorg2", { owners: [maria] });
  await createRepo(ctx, prefixOrg, "lab-words");
  const carolTeam = await createTeam(ctx, org, "carol-admins", [carol]);
  await grantRepo(ctx, carolTeam, labWords, "admin");
  const daveTeam = await createTeam(ctx, org, "dave-admins", [dave]);
  await grantRepo(ctx, daveTeam, labWords, "admin");
  daveTeamGrant = { teamId: daveTeam.id, repositoryId: labWords.id };
});

afterAll(async () => {
  await ctx.close();
});

describe("POST /api/v0/webhooks", () => {
  it("accepts the MSR documentation's example verbatim and answers the documented object", async () => {
    const before = Date.now();
    const res = await user(maria)
      .post("/api/v0/webhooks")
      .set("Content-Type", "application/json")
      .send('{"type":"TAG_PULL","key":"maria-testorg/lab-words","endpoint":"https://example.com/hook","skipTLSVerification":true}')
      .expect(201);
    const body = res.body as WebhookBody;
    expect(Object.keys(body).sort()).toEqual([...DOCUMENTED_FIELDS].sort());
    expect(body.id).toMatch(/^[0-9a-f]{64}$/);
    expect(body.type).toBe("TAG_PULL");
    expect(body.key).toBe("maria-testorg/lab-words");
    expect(body.endpoint).toBe("https://example.com/hook");
    expect(body.authorID).toMatch(UUID);
    expect(body.authorID).toBe(maria.id);
    expect(body.createdAt).toMatch(GO_TIME);
    const created = Date.parse(body.createdAt);
    expect(created).toBeGreaterThanOrEqual(before - 1000);
    expect(created).toBeLessThanOrEqual(Date.now() + 1000);
    expect(body.lastSuccessfulAt).toBe(ZERO_GO_TIME);
    expect(body.inactive).toBe(false);
    expect(body.tlsCert).toBe("");
    expect(body.skipTLSVerification).toBe(true);

    const row = await ctx.deps.services.db.webhook.findUniqueOrThrow({ where: { id: body.id } });
    const org = await ctx.deps.services.db.account.findUniqueOrThrow({ where: { name: "maria-testorg" } });
    expect(row.namespaceId).toBe(org.id);
    expect(row.signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(JSON.stringify(res.body)).not.toContain(row.signingSecret);
    expect(row.previousSecret).toBeNull();
  });

  it("defaults tlsCert to \"\" and skipTLSVerification to false, and stores a valid PEM as given", async () => {
    const plain = await createHook(maria, { type: "TAG_PUSH", key: "maria-testorg/lab-words", endpoint: "https://example.com/a" });
    expect(plain.tlsCert).toBe("");
    expect(plain.skipTLSVerification).toBe(false);
    const { caCert } = getTestPki();
    const withCert = await createHook(maria, {
      type: "TAG_PUSH",
      key: "maria-testorg/lab-words",
      endpoint: "https://example.com/b",
      tlsCert: caCert,
    });
    expect(withCert.tlsCert).toBe(caCert);
  });

  it("gives every webhook its own id and signing secret", async () => {
    const a = await createHook(maria, { type: "TAG_PUSH", key: "maria-testorg/other", endpoint: "https://example.com/1" });
    const b = await createHook(maria, { type: "TAG_PUSH", key: "maria-testorg/other", endpoint: "https://example.com/1" });
    expect(a.id).not.toBe(b.id);
    const rows = await ctx.deps.services.db.webhook.findMany({ where: { id: { in: [a.id, b.id] } } });
    expect(new Set(rows.map((r) => r.signingSecret)).size).toBe(2);
  });

  it("lets a system admin omit the key (stored as \"\") and subscribe to SCANNER_UPDATE_COMPLETED", async () => {
    const global = await createHook(null, { type: "TAG_PUSH", endpoint: "https://example.com/all" });
    expect(global.key).toBe("");
    const scanner = await createHook(null, { type: "SCANNER_UPDATE_COMPLETED", endpoint: "https://example.com/scanner" });
    expect(scanner.key).toBe("");
    const rows = await ctx.deps.services.db.webhook.findMany({ where: { id: { in: [global.id, scanner.id] } } });
    expect(rows.map((r) => [r.namespaceId, r.repositoryId])).toEqual([[null, null], [null, null]]);
  });

  it("accepts REPO_CREATED / REPO_UPDATED / REPO_DELETED and a repository type on a whole namespace", async () => {
    for (const type of ["REPO_EVENT", "REPO_CREATED", "REPO_UPDATED", "REPO_DELETED"]) {
      const hook = await createHook(maria, { type, key: "maria-testorg", endpoint: "https://example.com/repo-events" });
      expect(hook.type).toBe(type);
      expect(hook.key).toBe("maria-testorg");
    }
    const nsWide = await createHook(maria, { type: "TAG_PUSH", key: "maria-testorg", endpoint: "https://example.com/ns" });
    expect(nsWide.key).toBe("maria-testorg");
  });

  it("requires credentials", async () => {
    const res = await anon(ctx)
      .post("/api/v0/webhooks")
      .send({ type: "TAG_PUSH", key: "maria-testorg/lab-words", endpoint: "https://example.com/x" })
      .expect(401);
    expect(res.headers["www-authenticate"]).toMatch(/^Basic/);
  });
});

describe("GET /api/v0/webhooks", () => {
  let mariaHook: WebhookBody;
  let bobHook: WebhookBody;

  beforeAll(async () => {
    mariaHook = await createHook(maria, { type: "MANIFEST_PUSH", key: "maria-testorg/lab-words", endpoint: "https://example.com/list" });
    bobHook = await createHook(bob, { type: "TAG_DELETE", key: "bob/bobrepo", endpoint: "https://example.com/bob" });
  });

  it("shows a normal user only their own webhooks (also with ?webhookType=any)", async () => {
    for (const path of ["/api/v0/webhooks", "/api/v0/webhooks?webhookType=any"]) {
      const mine = await user(bob).get(path).expect(200);
      expect(ids(mine.body)).toEqual([bobHook.id]);
      const marias = await user(maria).get(path).expect(200);
      expect(ids(marias.body)).toContain(mariaHook.id);
      expect(ids(marias.body)).not.toContain(bobHook.id);
      expect((marias.body as WebhookBody[]).every((w) => w.authorID === maria.id)).toBe(true);
    }
  });

  it("shows a system admin everyone's webhooks", async () => {
    const all = await admin().get("/api/v0/webhooks?webhookType=any").expect(200);
    expect(ids(all.body)).toEqual(expect.arrayContaining([mariaHook.id, bobHook.id]));
    const count = await ctx.deps.services.db.webhook.count();
    expect((all.body as unknown[]).length).toBe(count);
  });

  it("filters by webhookType; an unknown one matches nothing (DTR's plain string)", async () => {
    const res = await admin().get("/api/v0/webhooks?webhookType=MANIFEST_PUSH").expect(200);
    expect((res.body as WebhookBody[]).length).toBeGreaterThan(0);
    expect((res.body as WebhookBody[]).every((w) => w.type === "MANIFEST_PUSH")).toBe(true);
    const unknown = await admin().get("/api/v0/webhooks?webhookType=NOPE").expect(200);
    expect(unknown.body).toEqual([]);
  });

  it("lists every webhook object with all documented fields and no secret", async () => {
    const res = await admin().get("/api/v0/webhooks").expect(200);
    for (const w of res.body as WebhookBody[]) expect(Object.keys(w).sort()).toEqual([...DOCUMENTED_FIELDS].sort());
    expect(JSON.stringify(res.body)).not.toContain("whsec_");
  });
});

describe("repository and namespace listings", () => {
  let onRepo: WebhookBody;
  let onOtherRepo: WebhookBody;
  let onNamespace: WebhookBody;
  let onPrefixNamespace: WebhookBody;
  let onBob: WebhookBody;
  let global: WebhookBody;

  beforeAll(async () => {
    onRepo = await createHook(carol, { type: "TAG_PUSH", key: "maria-testorg/lab-words", endpoint: "https://example.com/r" });
    onOtherRepo = await createHook(maria, { type: "TAG_PUSH", key: "maria-testorg/other", endpoint: "https://example.com/o" });
    onNamespace = await createHook(maria, { type: "REPO_EVENT", key: "maria-testorg", endpoint: "https://example.com/n" });
    onPrefixNamespace = await createHook(maria, { type: "TAG_PUSH", key: "maria-testorg2/lab-words", endpoint: "https://example.com/p" });
    onBob = await createHook(bob, { type: "TAG_PUSH", key: "bob/bobrepo", endpoint: "https://example.com/b" });
    global = await createHook(null, { type: "TAG_PUSH", endpoint: "https://example.com/g" });
  });

  it("GET /repositories/{ns}/{repo}/webhooks: everyone's webhooks on exactly that repository", async () => {
    const res = await user(maria).get("/api/v0/repositories/maria-testorg/lab-words/webhooks").expect(200);
    const list = res.body as WebhookBody[];
    expect(ids(list)).toContain(onRepo.id);
    expect(list.every((w) => w.key === "maria-testorg/lab-words")).toBe(true);
    for (const other of [onOtherRepo, onNamespace, onPrefixNamespace, onBob, global]) expect(ids(list)).not.toContain(other.id);
    const expected = await ctx.deps.services.db.webhook.count({ where: { key: "maria-testorg/lab-words" } });
    expect(list.length).toBe(expected);
  });

  it("lets a repository admin through a team list the repository, not the namespace", async () => {
    const res = await user(carol).get("/api/v0/repositories/maria-testorg/lab-words/webhooks").expect(200);
    expect(ids(res.body)).toContain(onRepo.id);
    await user(carol).get("/api/v0/repositories/maria-testorg/other/webhooks").expect(404);
    for (const path of ["/api/v0/accounts/maria-testorg/webhooks", "/api/v0/repositories/maria-testorg/webhooks"]) {
      const denied = await user(carol).get(path).expect(403);
      expect(denied.body.errors[0].code).toBe("NOT_AUTHORIZED");
    }
  });

  it.each(["/api/v0/accounts/maria-testorg/webhooks", "/api/v0/repositories/maria-testorg/webhooks"])(
    "GET %s: webhooks keyed to the namespace or any repository in it",
    async (path) => {
      const res = await user(maria).get(path).expect(200);
      const list = res.body as WebhookBody[];
      expect(ids(list)).toEqual(expect.arrayContaining([onRepo.id, onOtherRepo.id, onNamespace.id]));
      for (const other of [onPrefixNamespace, onBob, global]) expect(ids(list)).not.toContain(other.id);
      expect(list.every((w) => w.key === "maria-testorg" || w.key.startsWith("maria-testorg/"))).toBe(true);
      const expected = await ctx.deps.services.db.webhook.count({
        where: { OR: [{ key: "maria-testorg" }, { key: { startsWith: "maria-testorg/" } }] },
      });
      expect(list.length).toBe(expected);
    },
  );

  it("answers both namespace paths identically", async () => {
    const a = await user(maria).get("/api/v0/accounts/maria-testorg/webhooks").expect(200);
    const b = await user(maria).get("/api/v0/repositories/maria-testorg/webhooks").expect(200);
    expect(b.body).toEqual(a.body);
  });

  it("lets a user list their own namespace and a system admin any", async () => {
    const own = await user(bob).get("/api/v0/accounts/bob/webhooks").expect(200);
    expect(ids(own.body)).toContain(onBob.id);
    const asAdmin = await admin().get("/api/v0/repositories/maria-testorg/webhooks").expect(200);
    expect(ids(asAdmin.body)).toContain(onNamespace.id);
    const repoAsAdmin = await admin().get("/api/v0/repositories/bob/bobrepo/webhooks").expect(200);
    expect(ids(repoAsAdmin.body)).toContain(onBob.id);
  });

  it("refuses strangers (404 for a private repository they cannot read, 403 for a namespace) and names unknown ones with 404", async () => {
    const denied = await user(bob).get("/api/v0/repositories/maria-testorg/lab-words/webhooks").expect(404);
    expect(denied.body.errors[0].code).toBe("NO_SUCH_REPOSITORY");
    await user(bob).get("/api/v0/accounts/maria-testorg/webhooks").expect(403);
    const noRepo = await user(maria).get("/api/v0/repositories/maria-testorg/nope/webhooks").expect(404);
    expect(noRepo.body.errors[0].code).toBe("NO_SUCH_REPOSITORY");
    const noNs = await user(maria).get("/api/v0/accounts/nobody-here/webhooks").expect(404);
    expect(noNs.body.errors[0].code).toBe("NO_SUCH_ACCOUNT");
    const noNs2 = await user(maria).get("/api/v0/repositories/nobody-here/webhooks").expect(404);
    expect(noNs2.body.errors[0].code).toBe("NO_SUCH_ACCOUNT");
  });
});

describe("POST /api/v0/webhooks/update", () => {
  it("changes inactive, tlsCert and skipTLSVerification and answers an array with the webhook", async () => {
    const hook = await createHook(maria, { type: "TAG_PUSH", key: "maria-testorg/lab-words", endpoint: "https://example.com/u" });
    const off = await user(maria).post("/api/v0/webhooks/update").send({ id: hook.id, inactive: true }).expect(200);
    expect(off.body).toEqual([{ ...hook, inactive: true }]);
    const { caCert } = getTestPki();
    const tls = await user(maria)
      .post("/api/v0/webhooks/update")
      .send({ id: hook.id, tlsCert: caCert, skipTLSVerification: true })
      .expect(200);
    expect(tls.body).toEqual([{ ...hook, inactive: true, tlsCert: caCert, skipTLSVerification: true }]);
    const listed = await user(maria).get("/api/v0/webhooks").expect(200);
    expect((listed.body as WebhookBody[]).find((w) => w.id === hook.id)).toEqual(tls.body[0]);
  });

  it("accepts the whole object sent back unchanged, but refuses a change of type, key or endpoint", async () => {
    const hook = await createHook(maria, { type: "TAG_PUSH", key: "maria-testorg/lab-words", endpoint: "https://example.com/w" });
    const same = await user(maria).post("/api/v0/webhooks/update").send({ ...hook, inactive: true }).expect(200);
    expect(same.body[0].inactive).toBe(true);
    for (const change of [{ endpoint: "https://evil.example.com/" }, { type: "TAG_PULL" }, { key: "maria-testorg/other" }]) {
      const res = await user(maria).post("/api/v0/webhooks/update").send({ ...hook, ...change }).expect(400);
      expect(res.body.errors[0].code).toBe("INVALID_WEBHOOK");
      expect(res.body.errors[0].detail).toEqual({ field: Object.keys(change)[0] });
    }
    const row = await ctx.deps.services.db.webhook.findUniqueOrThrow({ where: { id: hook.id } });
    expect(row).toMatchObject({ endpoint: hook.endpoint, type: hook.type, key: hook.key, inactive: true });
  });

  it("re-enabling clears the auto-disable record and the failure streak", async () => {
    const hook = await createHook(maria, { type: "TAG_PUSH", key: "maria-testorg/lab-words", endpoint: "https://example.com/d" });
    const since = new Date(Date.now() - 6 * 86_400_000);
    await ctx.deps.services.db.webhook.update({
      where: { id: hook.id },
      data: { inactive: true, disabledReason: "no success for 5 days", disabledAt: new Date(), failingSince: since },
    });
    // Touching something else leaves the record alone.
    await user(maria).post("/api/v0/webhooks/update").send({ id: hook.id, inactive: true }).expect(200);
    let row = await ctx.deps.services.db.webhook.findUniqueOrThrow({ where: { id: hook.id } });
    expect(row.disabledReason).toBe("no success for 5 days");
    const res = await user(maria).post("/api/v0/webhooks/update").send({ id: hook.id, inactive: false }).expect(200);
    expect(res.body[0].inactive).toBe(false);
    row = await ctx.deps.services.db.webhook.findUniqueOrThrow({ where: { id: hook.id } });
    expect(row).toMatchObject({ inactive: false, disabledReason: null, disabledAt: null, failingSince: null });
  });

  it("keeps the failure streak of an active webhook when inactive: false is sent again", async () => {
    const hook = await createHook(maria, { type: "TAG_PUSH", key: "maria-testorg/lab-words", endpoint: "https://example.com/s" });
    const since = new Date(Date.now() - 3_600_000);
    await ctx.deps.services.db.webhook.update({ where: { id: hook.id }, data: { failingSince: since } });
    await user(maria).post("/api/v0/webhooks/update").send({ id: hook.id, inactive: false }).expect(200);
    const row = await ctx.deps.services.db.webhook.findUniqueOrThrow({ where: { id: hook.id } });
    expect(row.failingSince?.getTime()).toBe(since.getTime());
  });

  it("refuses skipTLSVerification: false on an http:// endpoint, and a bad tlsCert", async () => {
    const hook = await createHook(maria, {
      type: "TAG_PUSH",
      key: "maria-testorg/lab-words",
      endpoint: "http://example.com/plain",
      skipTLSVerification: true,
    });
    const res = await user(maria).post("/api/v0/webhooks/update").send({ id: hook.id, skipTLSVerification: false }).expect(400);
    expect(res.body.errors[0]).toMatchObject({ code: "INVALID_WEBHOOK", detail: { field: "endpoint" } });
    expect(res.body.errors[0].message).toContain("skipTLSVerification");
    const pem = await user(maria).post("/api/v0/webhooks/update").send({ id: hook.id, tlsCert: "not a cert" }).expect(400);
    expect(pem.body.errors[0]).toMatchObject({ code: "INVALID_WEBHOOK", detail: { field: "tlsCert" } });
    const row = await ctx.deps.services.db.webhook.findUniqueOrThrow({ where: { id: hook.id } });
    expect(row).toMatchObject({ skipTLSVerification: true, tlsCert: "" });
  });

  it("answers 404 for an unknown id and for a webhook the caller may not see; 400 without an id", async () => {
    const hook = await createHook(maria, { type: "TAG_PUSH", key: "maria-testorg/lab-words", endpoint: "https://example.com/h" });
    const unknown = await user(maria).post("/api/v0/webhooks/update").send({ id: "f".repeat(64), inactive: true }).expect(404);
    expect(unknown.body.errors[0].code).toBe("NO_SUCH_WEBHOOK");
    const hidden = await user(bob).post("/api/v0/webhooks/update").send({ id: hook.id, inactive: true }).expect(404);
    expect(hidden.body).toEqual(unknown.body);
    const noId = await user(maria).post("/api/v0/webhooks/update").send({ inactive: true }).expect(400);
    expect(noId.body.errors[0]).toMatchObject({ code: "INVALID_WEBHOOK", detail: { field: "id" } });
    const row = await ctx.deps.services.db.webhook.findUniqueOrThrow({ where: { id: hook.id } });
    expect(row.inactive).toBe(false);
  });
});

describe("DELETE /api/v0/webhooks/{id}", () => {
  it("lets the author who administers the repository delete it (204), and then it is gone", async () => {
    const hook = await createHook(maria, { type: "TAG_PUSH", key: "maria-testorg/lab-words", endpoint: "https://example.com/del" });
    const res = await user(maria).delete(`/api/v0/webhooks/${hook.id}`).expect(204);
    expect(res.text).toBe("");
    expect(await ctx.deps.services.db.webhook.count({ where: { id: hook.id } })).toBe(0);
    const again = await user(maria).delete(`/api/v0/webhooks/${hook.id}`).expect(404);
    expect(again.body.errors[0].code).toBe("NO_SUCH_WEBHOOK");
  });

  it("lets another admin of the subscribed repository, and a system admin, delete it", async () => {
    const a = await createHook(maria, { type: "TAG_PUSH", key: "maria-testorg/lab-words", endpoint: "https://example.com/a1" });
    await user(carol).delete(`/api/v0/webhooks/${a.id}`).expect(204);
    const b = await createHook(bob, { type: "TAG_PUSH", key: "bob/bobrepo", endpoint: "https://example.com/b1" });
    await admin().delete(`/api/v0/webhooks/${b.id}`).expect(204);
    expect(await ctx.deps.services.db.webhook.count({ where: { id: { in: [a.id, b.id] } } })).toBe(0);
  });

  it("hides a webhook from a user with no access (404, the same as a missing one)", async () => {
    const hook = await createHook(maria, { type: "TAG_PUSH", key: "maria-testorg/lab-words", endpoint: "https://example.com/hid" });
    const res = await user(bob).delete(`/api/v0/webhooks/${hook.id}`).expect(404);
    const missing = await user(bob).delete(`/api/v0/webhooks/${"0".repeat(64)}`).expect(404);
    expect(res.body).toEqual(missing.body);
    expect(await ctx.deps.services.db.webhook.count({ where: { id: hook.id } })).toBe(1);
  });

  it("lets only system admins delete a global (\"\" key) webhook", async () => {
    const hook = await createHook(null, { type: "TAG_PUSH", endpoint: "https://example.com/global" });
    await user(maria).delete(`/api/v0/webhooks/${hook.id}`).expect(404);
    await admin().delete(`/api/v0/webhooks/${hook.id}`).expect(204);
  });

  it("does not let an author who no longer administers the repository delete, update or read its secret (403)", async () => {
    const hook = await createHook(dave, { type: "TAG_PUSH", key: "maria-testorg/lab-words", endpoint: "https://example.com/dave" });
    await ctx.deps.services.db.repositoryTeamAccess.delete({ where: { repositoryId_teamId: daveTeamGrant } });
    // The author still sees it among their own...
    const listed = await user(dave).get("/api/v0/webhooks").expect(200);
    expect(ids(listed.body)).toContain(hook.id);
    // ...but may no longer manage it.
    for (const res of [
      await user(dave).delete(`/api/v0/webhooks/${hook.id}`).expect(403),
      await user(dave).post("/api/v0/webhooks/update").send({ id: hook.id, inactive: true }).expect(403),
      await user(dave).get(`/api/v0/webhooks/${hook.id}/secret`).expect(403),
      await user(dave).post(`/api/v0/webhooks/${hook.id}/secret/rotate`).expect(403),
    ]) {
      expect(res.body.errors[0].code).toBe("NOT_AUTHORIZED");
    }
    const row = await ctx.deps.services.db.webhook.findUniqueOrThrow({ where: { id: hook.id } });
    expect(row.inactive).toBe(false);
    // The namespace owner still manages it.
    await user(maria).delete(`/api/v0/webhooks/${hook.id}`).expect(204);
  });

  it("deletes a webhook together with its repository", async () => {
    const org = await ctx.deps.services.db.account.findUniqueOrThrow({ where: { name: "maria-testorg" } });
    const temp = await createRepo(ctx, org, "temporary");
    const hook = await createHook(maria, { type: "TAG_PUSH", key: "maria-testorg/temporary", endpoint: "https://example.com/t" });
    await ctx.deps.services.db.repository.delete({ where: { id: temp.id } });
    await user(carol).delete(`/api/v0/webhooks/${hook.id}`).expect(404);
    await user(maria).delete(`/api/v0/webhooks/${hook.id}`).expect(404);
  });
});

describe("signing secret extension", () => {
  it("shows the secret to whoever may delete the webhook, and never to anyone else", async () => {
    const hook = await createHook(maria, { type: "TAG_PUSH", key: "maria-testorg/lab-words", endpoint: "https://example.com/sec" });
    const row = await ctx.deps.services.db.webhook.findUniqueOrThrow({ where: { id: hook.id } });
    for (const client of [user(maria), user(carol), admin()]) {
      const res = await client.get(`/api/v0/webhooks/${hook.id}/secret`).expect(200);
      expect(res.body).toEqual({ secret: row.signingSecret });
    }
    const hidden = await user(bob).get(`/api/v0/webhooks/${hook.id}/secret`).expect(404);
    expect(hidden.body.errors[0].code).toBe("NO_SUCH_WEBHOOK");
    await user(bob).post(`/api/v0/webhooks/${hook.id}/secret/rotate`).expect(404);
    await anon(ctx).get(`/api/v0/webhooks/${hook.id}/secret`).expect(401);
  });

  it("rotates: a new secret, the old one kept signing for 24 hours", async () => {
    const hook = await createHook(maria, { type: "TAG_PUSH", key: "maria-testorg/lab-words", endpoint: "https://example.com/rot" });
    const first = (await user(maria).get(`/api/v0/webhooks/${hook.id}/secret`).expect(200)).body as { secret: string };
    const before = Date.now();
    const rotated = await user(maria).post(`/api/v0/webhooks/${hook.id}/secret/rotate`).expect(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(first.secret);
    expect(rotated.body.previousSecret).toBe(first.secret);
    const expires = Date.parse(rotated.body.previousSecretExpiresAt as string);
    expect(expires).toBeGreaterThanOrEqual(before + 24 * 3_600_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 24 * 3_600_000 + 1000);
    const shown = await user(maria).get(`/api/v0/webhooks/${hook.id}/secret`).expect(200);
    expect(shown.body).toEqual(rotated.body);
    const row = await ctx.deps.services.db.webhook.findUniqueOrThrow({ where: { id: hook.id } });
    expect(row).toMatchObject({ signingSecret: rotated.body.secret, previousSecret: first.secret });

    // A second rotation demotes the second secret; the first stops signing.
    const again = await user(maria).post(`/api/v0/webhooks/${hook.id}/secret/rotate`).expect(200);
    expect(again.body.previousSecret).toBe(rotated.body.secret);
    expect([again.body.secret, again.body.previousSecret]).not.toContain(first.secret);
  });

  it("stops showing the previous secret once its 24 hours are over", async () => {
    const hook = await createHook(maria, { type: "TAG_PUSH", key: "maria-testorg/lab-words", endpoint: "https://example.com/exp" });
    await user(maria).post(`/api/v0/webhooks/${hook.id}/secret/rotate`).expect(200);
    await ctx.deps.services.db.webhook.update({ where: { id: hook.id }, data: { previousSecretUntil: new Date(Date.now() - 1000) } });
    const res = await user(maria).get(`/api/v0/webhooks/${hook.id}/secret`).expect(200);
    expect(Object.keys(res.body)).toEqual(["secret"]);
  });

  it("answers 404 for an unknown webhook", async () => {
    const res = await admin().get(`/api/v0/webhooks/${"a".repeat(64)}/secret`).expect(404);
    expect(res.body.errors[0].code).toBe("NO_SUCH_WEBHOOK");
    await admin().post(`/api/v0/webhooks/${"a".repeat(64)}/secret/rotate`).expect(404);
  });
});
