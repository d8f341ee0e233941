// GET/PUT /api/v0/webhooks/{id}/settings (payload format and filters, issue 20) and the per-webhook
// test send POST /api/v0/webhooks/{id}/test, against a real database and loopback receivers: the
// access rules of /webhooks/update, 400s for every bad input, the MSR webhook object untouched,
// and a test send in the webhook's format (CloudEvents parsed with the SDK, Slack's shape).
import { HTTP } from "cloudevents";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { validateContents } from "@msr-webhooks/events/validate";
import { startReceiver, type ReceivedRequest, type Receiver } from "@msr-webhooks/testing/receiver";
import { ADMIN, anon, as, createTestContext, type TestContext } from "./support/test-context.js";
import { createOrg, createRepo, createTeam, createUser, grantRepo, type UserFixture } from "./support/fixtures.js";

let ctx: TestContext;
let maria: UserFixture;
let bob: UserFixture;
let dave: UserFixture;
let receiver: Receiver;
let daveGrant: { repositoryId: string; teamId: string };

const user = (u: UserFixture) => as(ctx, u.name, u.password);
const admin = () => as(ctx, ADMIN.username, ADMIN.password);

interface WebhookObject {
  id: string;
  [key: string]: unknown;
}

async function createHook(u: UserFixture, type = "TAG_PUSH", path = "/hook"): Promise<WebhookObject> {
  const res = await user(u)
    .post("/api/v0/webhooks")
    .send({ type, key: "acme/app", endpoint: `${receiver.url}${path}`, skipTLSVerification: true })
    .expect(201);
  return res.body as WebhookObject;
}

function headersOf(req: ReceivedRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") out[k] = v;
  return out;
}

const DEFAULTS = { format: "msr", filters: { tags: [], repoEvents: [], minSeverity: null } };

beforeAll(async () => {
  ctx = await createTestContext({ WEBHOOK_TEST_RATE_LIMIT: "0" });
  receiver = await startReceiver();
  maria = await createUser(ctx, "maria");
  bob = await createUser(ctx, "bob");
  dave = await createUser(ctx, "dave");
  const acme = await createOrg(ctx, "acme", { owners: [maria] });
  const app = await createRepo(ctx, acme, "app");
  const team = await createTeam(ctx, acme, "ops", [dave]);
  await grantRepo(ctx, team, app, "admin");
  daveGrant = { repositoryId: app.id, teamId: team.id };
});

afterAll(async () => {
  await receiver.close();
  await ctx.close();
});

describe("GET/PUT /api/v0/webhooks/{id}/settings", () => {
  it("answers the defaults, stores a replacement, and leaves the MSR webhook object and listing as they were", async () => {
    const hook = await createHook(maria);
    const listedBefore = (await user(maria).get("/api/v0/webhooks").expect(200)).text;
    expect((await user(maria).get(`/api/v0/webhooks/${hook.id}/settings`).expect(200)).body).toEqual(DEFAULTS);

    const wanted = { format: "cloudevents", mode: "binary", filters: { tags: ["v*", "release-*"], repoEvents: [], minSeverity: null } };
    expect((await user(maria).put(`/api/v0/webhooks/${hook.id}/settings`).send(wanted).expect(200)).body).toEqual(wanted);
    expect((await user(maria).get(`/api/v0/webhooks/${hook.id}/settings`).expect(200)).body).toEqual(wanted);
    // A PUT replaces the whole: what it leaves out is back to its default (mode: structured).
    const slack = await user(maria).put(`/api/v0/webhooks/${hook.id}/settings`).send({ format: "cloudevents" }).expect(200);
    expect(slack.body).toEqual({ ...DEFAULTS, format: "cloudevents", mode: "structured" });

    expect((await user(maria).get("/api/v0/webhooks").expect(200)).text).toBe(listedBefore);
    const [listed] = (await user(maria).get("/api/v0/webhooks").expect(200)).body as WebhookObject[];
    expect(Object.keys(listed!).sort()).toEqual(
      ["authorID", "createdAt", "endpoint", "id", "inactive", "key", "lastSuccessfulAt", "skipTLSVerification", "tlsCert", "type"].sort(),
    );

    // The settings go with their webhook.
    await user(maria).delete(`/api/v0/webhooks/${hook.id}`).expect(204);
    expect(await ctx.deps.services.db.webhookSettings.count({ where: { webhookId: hook.id } })).toBe(0);
  });

  it("follows the access rules of /webhooks/update: 404 to whoever cannot see it, 403 to an author who lost the rights, 401 anonymous", async () => {
    const hook = await createHook(dave);
    const body = { format: "slack" };
    const missing = await user(bob).get(`/api/v0/webhooks/${"0".repeat(64)}/settings`).expect(404);
    for (const res of [
      await user(bob).get(`/api/v0/webhooks/${hook.id}/settings`).expect(404),
      await user(bob).put(`/api/v0/webhooks/${hook.id}/settings`).send(body).expect(404),
      await user(bob).post(`/api/v0/webhooks/${hook.id}/test`).expect(404),
    ]) {
      expect(res.body).toEqual(missing.body);
    }
    expect(missing.body.errors[0].code).toBe("NO_SUCH_WEBHOOK");
    await anon(ctx).get(`/api/v0/webhooks/${hook.id}/settings`).expect(401);
    // Another admin of the repository, and a system admin, may change it.
    await user(maria).put(`/api/v0/webhooks/${hook.id}/settings`).send(body).expect(200);
    await admin().put(`/api/v0/webhooks/${hook.id}/settings`).send({ format: "teams" }).expect(200);

    await ctx.deps.services.db.repositoryTeamAccess.delete({ where: { repositoryId_teamId: daveGrant } });
    for (const res of [
      await user(dave).get(`/api/v0/webhooks/${hook.id}/settings`).expect(403),
      await user(dave).put(`/api/v0/webhooks/${hook.id}/settings`).send(body).expect(403),
    ]) {
      expect(res.body.errors[0].code).toBe("NOT_AUTHORIZED");
    }
    expect((await admin().get(`/api/v0/webhooks/${hook.id}/settings`).expect(200)).body.format).toBe("teams");
  });

  it("refuses bad input with 400 INVALID_PARAMETERS that names the problem, and stores nothing", async () => {
    const hook = await createHook(maria);
    const scan = await createHook(maria, "SCAN_COMPLETED");
    const bad: [string, unknown][] = [
      [hook.id, { format: "xml" }],
      [hook.id, {}],
      [hook.id, { format: "msr", extra: true }],
      [hook.id, { format: "msr", filters: { tags: Array.from({ length: 21 }, (_, i) => `v${i}*`) } }],
      [hook.id, { format: "msr", filters: { tags: ["v".repeat(129)] } }],
      [hook.id, { format: "msr", filters: { tags: ["release/*"] } }],
      [hook.id, { format: "msr", filters: { tags: [""] } }],
      [hook.id, { format: "msr", filters: { tags: ["v*", "v*"] } }],
      [hook.id, { format: "msr", filters: { tags: ["v[1-"] } }],
      [hook.id, { format: "slack", mode: "binary" }],
      [hook.id, { format: "cloudevents", mode: "batch" }],
      [hook.id, { format: "msr", filters: { repoEvents: ["REPO_CREATED"] } }],
      [hook.id, { format: "msr", filters: { minSeverity: "critical" } }],
      [scan.id, { format: "msr", filters: { minSeverity: "low" } }],
      [hook.id, "not json at all"],
    ];
    for (const [id, body] of bad) {
      const res = await user(maria).put(`/api/v0/webhooks/${id}/settings`).set("Content-Type", "application/json").send(body as object);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body.errors[0].message).toEqual(expect.any(String));
      expect(["INVALID_PARAMETERS", "INVALID_JSON"]).toContain(res.body.errors[0].code);
    }
    expect(await ctx.deps.services.db.webhookSettings.count({ where: { webhookId: { in: [hook.id, scan.id] } } })).toBe(0);
    // The same filters where they fit.
    await user(maria).put(`/api/v0/webhooks/${scan.id}/settings`).send({ format: "msr", filters: { minSeverity: "major", tags: ["v+([0-9])"] } }).expect(200);
  });
});

describe("POST /api/v0/webhooks/{id}/test", () => {
  it("sends the webhook's example as its settings format it: CloudEvents in both modes, signed with its secret; Slack unsigned", async () => {
    const hook = await createHook(maria, "TAG_PUSH", "/formatted");
    const { secret } = (await user(maria).get(`/api/v0/webhooks/${hook.id}/secret`).expect(200)).body as { secret: string };
    for (const mode of ["structured", "binary"]) {
      await user(maria).put(`/api/v0/webhooks/${hook.id}/settings`).send({ format: "cloudevents", mode, filters: { tags: ["v*"] } }).expect(200);
      receiver.requests.length = 0;
      const res = await user(maria).post(`/api/v0/webhooks/${hook.id}/test`).expect(200);
      expect(res.body).toMatchObject({ ok: true, statusCode: 200, format: "cloudevents", filtered: "filtered: tag latest matches none of v*" });
      const [req] = await receiver.waitFor(1);
      expect(req!.body).toBe(res.body.body);
      const parsed = HTTP.toEvent({ headers: headersOf(req!), body: req!.body });
      const event = Array.isArray(parsed) ? parsed[0]! : parsed;
      expect(event).toMatchObject({ type: "com.mirantis.msr.tag.push", source: "https://registry.test:5000/foo/bar", subject: "latest", id: res.body.webhookId });
      expect(validateContents("TAG_PUSH", event.data)).toMatchObject({ ok: true });
      expect(() => new StandardWebhook(secret).verify(req!.body, headersOf(req!))).not.toThrow();
    }

    await user(maria).put(`/api/v0/webhooks/${hook.id}/settings`).send({ format: "slack" }).expect(200);
    receiver.requests.length = 0;
    const res = await user(maria).post(`/api/v0/webhooks/${hook.id}/test`).expect(200);
    expect(res.body).toMatchObject({ ok: true, format: "slack", filtered: null });
    const [req] = await receiver.waitFor(1);
    expect(JSON.parse(req!.body)).toMatchObject({ text: "someone pushed foo/bar:latest (sha256:b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c) on registry.test:5000", blocks: expect.any(Array) });
    expect(Object.keys(req!.headers).filter((k) => k.startsWith("webhook-"))).toEqual([]);

    // Without settings: the MSR envelope, as POST /webhooks/test sends it.
    await ctx.deps.services.db.webhookSettings.delete({ where: { webhookId: hook.id } });
    receiver.requests.length = 0;
    await user(maria).post(`/api/v0/webhooks/${hook.id}/test`).expect(200);
    const [plain] = await receiver.waitFor(1);
    expect(plain!.body.startsWith('{"type":"TAG_PUSH","createdAt":')).toBe(true);
  });
});
