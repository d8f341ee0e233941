// What real MSR receivers get, end to end (the API in-process, the worker as a process, loopback
// receivers): an endpoint with user:password@ (how Jenkins is reached) is accepted and called with
// Basic auth while the password stays out of logs and the delivery log; contents arrive as the
// byte sequence the producer wrote (its key order, where jsonb used to sort them) on both ingest
// paths, signed over exactly those bytes; times keep every digit given, and ours carry microseconds.
import { closePublisher, publishEvent } from "@msr-webhooks/events/publish";
import { testPayload } from "@msr-webhooks/events/test-payloads";
import { startReceiver, type ReceivedRequest, type Receiver } from "@msr-webhooks/testing/receiver";
import { redisUrl } from "@msr-webhooks/testing/redis";
import { Redis } from "ioredis";
import { Webhook } from "standardwebhooks";
import { ADMIN, as, createTestContext, type TestContext } from "./support/test-context.js";
import { createOrg, createRepo, createToken, createUser, type UserFixture } from "./support/fixtures.js";
import { waitUntil } from "./support/wait.js";
import { startWorker, type WorkerProcess } from "./support/worker-process.js";

const PASSWORD = "11a3e229084349bc25d97e29393ced1d";
const ENCODED_PASSWORD = "p%40ss-w0rd%3A42";
const DECODED_PASSWORD = "p@ss-w0rd:42";
const HOST = "registry.test:5000";

let ctx: TestContext;
let worker: WorkerProcess;
let receiver: Receiver;
let svc: UserFixture;
let producerToken: string;
let plain: UserFixture;
let redis: Redis;

const admin = () => as(ctx, ADMIN.username, ADMIN.password);
const producer = () => as(ctx, svc.name, producerToken);
const basic = (userPass: string) => `Basic ${Buffer.from(userPass).toString("base64")}`;
const at = (path: string) => (r: ReceivedRequest) => r.path === path;

// SCAN_COMPLETED contents with every object's keys out of alphabetical (and jsonb's length-first) order.
function scrambledScan(tag: string): Record<string, unknown> {
  const c = testPayload("SCAN_COMPLETED", HOST).contents;
  const s = c.scanSummary;
  return {
    tag,
    scanSummary: {
      should_rescan: s.should_rescan,
      tag,
      reponame: s.reponame,
      minor: s.minor,
      last_scan_status: s.last_scan_status,
      namespace: s.namespace,
      critical: s.critical,
      major: s.major,
      has_foreign_layers: s.has_foreign_layers,
      check_completed_at: "2026-12-04T10:11:12.000100Z",
    },
    repository: c.repository,
    namespace: c.namespace,
    imageName: `${HOST}/foo/bar:${tag}`,
  };
}

async function subscribe(type: string, endpoint: string): Promise<{ id: string; endpoint: string }> {
  const res = await admin().post("/api/v0/webhooks").send({ type, key: "foo/bar", endpoint, skipTLSVerification: true }).expect(201);
  return res.body as { id: string; endpoint: string };
}

async function secretOf(webhookId: string): Promise<string> {
  const res = await admin().get(`/api/v0/webhooks/${webhookId}/secret`).expect(200);
  return (res.body as { secret: string }).secret;
}

function verify(secret: string, r: ReceivedRequest): unknown {
  return new Webhook(secret).verify(r.body, {
    "webhook-id": String(r.headers["webhook-id"]),
    "webhook-timestamp": String(r.headers["webhook-timestamp"]),
    "webhook-signature": String(r.headers["webhook-signature"]),
  });
}

beforeAll(async () => {
  // Loopback is allowed, but 127.0.0.2 is refused: the policy must judge the host, not the userinfo.
  ctx = await createTestContext({ OUTBOUND_DENY_CIDRS: "127.0.0.2/32" });
  const foo = await createOrg(ctx, "foo");
  await createRepo(ctx, foo, "bar");
  svc = await createUser(ctx, "scanner-svc");
  producerToken = (await createToken(ctx, svc, "producer")).token;
  plain = await createUser(ctx, "plain");
  redis = new Redis(redisUrl(), { maxRetriesPerRequest: null });
  // The credentialed endpoint fails its first attempt, so a retry (and its log lines) happen too.
  receiver = await startReceiver({
    handler: (req) => (req.path === "/jenkins/notify" && receiver.requests.filter(at("/jenkins/notify")).length === 1 ? { status: 500, body: "busy" } : { status: 200 }),
  });
  worker = await startWorker(ctx, { RETRY_SCHEDULE: "1s", RETRY_JITTER: "0", OUTBOUND_DENY_CIDRS: "127.0.0.2/32" });
});

afterAll(async () => {
  await worker?.stop();
  await closePublisher();
  redis?.disconnect();
  await receiver?.close();
  await ctx?.close();
});

describe("an endpoint with user:password@ (Jenkins)", () => {
  let webhook: { id: string; endpoint: string };
  let endpoint: string;

  beforeAll(() => {
    endpoint = `http://jenkins:${PASSWORD}@127.0.0.1:${receiver.port}/jenkins/notify`;
  });

  it("is accepted at create and shown back as stored to whoever may see the webhook, as MSR does", async () => {
    webhook = await subscribe("TAG_PUSH", endpoint);
    expect(webhook.endpoint).toBe(endpoint);
    const listed = (await admin().get("/api/v0/webhooks").expect(200)).body as { id: string; endpoint: string }[];
    expect(listed.find((w) => w.id === webhook.id)?.endpoint).toBe(endpoint);
    // Someone who may not see it does not see it at all.
    const theirs = await as(ctx, plain.name, plain.password).get("/api/v0/webhooks").expect(200);
    expect(JSON.stringify(theirs.body)).not.toContain(PASSWORD);
    await as(ctx, plain.name, plain.password).get(`/api/v0/webhooks/${webhook.id}/deliveries`).expect(404);
  });

  it("is accepted at update", async () => {
    const res = await admin().post("/api/v0/webhooks/update").send({ id: webhook.id, inactive: false }).expect(200);
    expect((res.body as { endpoint: string }[])[0]?.endpoint).toBe(endpoint);
  });

  it("is called with Authorization: Basic on every delivery attempt, retries included", async () => {
    await producer().post("/api/v0/events").send({ type: "TAG_PUSH", contents: testPayload("TAG_PUSH", HOST).contents }).expect(202);
    const calls = await waitUntil("two attempts at the Jenkins endpoint", () => {
      const c = receiver.requests.filter(at("/jenkins/notify"));
      return c.length >= 2 ? c : false;
    });
    for (const c of calls) expect(c.headers.authorization).toBe(basic(`jenkins:${PASSWORD}`));
    await waitUntil("the delivery succeeded", async () => {
      const res = await admin().get(`/api/v0/webhooks/${webhook.id}/deliveries`).expect(200);
      return (res.body as { deliveries: { status: string }[] }).deliveries[0]?.status === "succeeded";
    });
  });

  it("is called with Basic auth by /webhooks/test, percent-decoded as Go does", async () => {
    const url = `http://jenkins:${ENCODED_PASSWORD}@127.0.0.1:${receiver.port}/jenkins/test`;
    const res = await admin().post("/api/v0/webhooks/test").send({ type: "MANIFEST_PUSH", endpoint: url, skipTLSVerification: true }).expect(200);
    expect((res.body as { ok: boolean }).ok).toBe(true);
    const [call] = receiver.requests.filter(at("/jenkins/test"));
    expect(call?.headers.authorization).toBe(basic(`jenkins:${DECODED_PASSWORD}`));
    expect(JSON.stringify(res.body)).not.toContain(ENCODED_PASSWORD);
  });

  it("never reaches the API's or the worker's logs, nor the delivery log", async () => {
    const deliveries = await admin().get(`/api/v0/webhooks/${webhook.id}/deliveries`).expect(200);
    const [first] = (deliveries.body as { deliveries: { id: string }[] }).deliveries;
    const detail = await admin().get(`/api/v0/webhooks/${webhook.id}/deliveries/${first!.id}`).expect(200);
    const token = Buffer.from(`jenkins:${PASSWORD}`).toString("base64");
    for (const text of [deliveries.text, detail.text, JSON.stringify(ctx.logs), JSON.stringify(worker.logs)]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(ENCODED_PASSWORD);
      expect(text).not.toContain(token);
    }
    // The worker did log about this delivery (the failed first attempt), just not the password.
    expect(worker.logs.some((l) => l["message"] === "delivery attempt failed; will retry")).toBe(true);
  });

  it("does not fool the outbound policy: the host after the last @ is what is judged", async () => {
    const refused = await admin()
      .post("/api/v0/webhooks")
      .send({ type: "TAG_PUSH", key: "foo/bar", endpoint: `http://127.0.0.1:${receiver.port}@127.0.0.2:${receiver.port}/x`, skipTLSVerification: true })
      .expect(400);
    expect(JSON.stringify(refused.body)).toContain("outbound address policy");
    const test = await admin()
      .post("/api/v0/webhooks/test")
      .send({ type: "TAG_PUSH", endpoint: `http://127.0.0.1@127.0.0.2:${receiver.port}/x`, skipTLSVerification: true })
      .expect(400);
    expect(JSON.stringify(test.body)).toContain("outbound address policy");
    // The other way round the host is allowed loopback, whatever the userinfo names.
    await subscribe("TAG_DELETE", `http://127.0.0.2:${receiver.port}@127.0.0.1:${receiver.port}/y`);
  });

  it("with a % that starts no escape is a 400 (Go's url.Parse refuses it)", async () => {
    const res = await admin()
      .post("/api/v0/webhooks")
      .send({ type: "TAG_PUSH", key: "foo/bar", endpoint: `http://jenkins:100%@127.0.0.1:${receiver.port}/z`, skipTLSVerification: true })
      .expect(400);
    expect(res.body).toMatchObject({ errors: [{ code: "INVALID_WEBHOOK", detail: { field: "endpoint" } }] });
  });
});

describe("contents as the producer wrote them", () => {
  let webhook: { id: string };
  let secret: string;

  beforeAll(async () => {
    webhook = await subscribe("SCAN_COMPLETED", `http://127.0.0.1:${receiver.port}/scans`);
    secret = await secretOf(webhook.id);
  });

  async function deliveredFor(tag: string): Promise<ReceivedRequest> {
    return waitUntil(`the ${tag} delivery`, () =>
      receiver.requests.find((r) => r.path === "/scans" && (JSON.parse(r.body) as { contents: { tag: string } }).contents.tag === tag),
    );
  }

  async function detailOf(tag: string): Promise<string> {
    const list = await admin().get(`/api/v0/webhooks/${webhook.id}/deliveries`).expect(200);
    for (const d of (list.body as { deliveries: { id: string }[] }).deliveries) {
      const res = await admin().get(`/api/v0/webhooks/${webhook.id}/deliveries/${d.id}`).expect(200);
      if (res.text.includes(`"tag":"${tag}"`)) return res.text;
    }
    throw new Error(`no delivery of ${tag} in the log`);
  }

  it.each([
    ["HTTP ingest (POST /api/v0/events)", "via-http"],
    ["the events queue (publishEvent)", "via-queue"],
  ])("arrive byte for byte through %s, signed over those bytes, and so in the delivery log", async (_path, tag) => {
    const contents = scrambledScan(tag);
    const createdAt = "2026-12-04T10:11:12.123456789Z";
    if (tag === "via-http") {
      await producer().post("/api/v0/events").send({ type: "SCAN_COMPLETED", createdAt, contents }).expect(202);
    } else {
      await publishEvent(redis, { type: "SCAN_COMPLETED", createdAt, contents } as never, { prefix: ctx.queuePrefix });
    }
    const got = await deliveredFor(tag);
    expect(got.body).toContain(`"contents":${JSON.stringify(contents)}`);
    expect(got.body.startsWith(`{"type":"SCAN_COMPLETED","createdAt":"${createdAt}","contents":{"tag":"${tag}",`)).toBe(true);
    expect(() => verify(secret, got)).not.toThrow();
    const logged = await detailOf(tag);
    expect(logged).toContain(`"contents":${JSON.stringify(contents)}`);
    expect(logged).toContain(`"createdAt":"${createdAt}"`);
  });
});

describe("times", () => {
  it("we make carry microseconds in Go's form; a producer's pass through with every digit", async () => {
    const webhook = await subscribe("TAG_PULL", `http://127.0.0.1:${receiver.port}/pulls`);
    const contents = { ...testPayload("TAG_PULL", HOST).contents, pulledAt: "2026-12-04T10:11:12.1Z" };
    for (let i = 0; i < 3; i++) await producer().post("/api/v0/events").send({ type: "TAG_PULL", contents }).expect(202);
    const got = await waitUntil("three TAG_PULL deliveries", () => {
      const r = receiver.requests.filter(at("/pulls"));
      return r.length >= 3 ? r : false;
    });
    const times = got.map((r) => (JSON.parse(r.body) as { createdAt: string }).createdAt);
    for (const t of times) expect(t).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/);
    // Trailing zeros are trimmed, so one in a thousand has three digits or fewer; not all three.
    expect(times.some((t) => /\.\d{4,6}Z$/.test(t))).toBe(true);
    for (const r of got) expect(r.body).toContain('"pulledAt":"2026-12-04T10:11:12.1Z"');
    expect(webhook.id).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("SCANNER_UPDATE_COMPLETED", () => {
  it("takes replicas.*.version as the string MSR sends (its seed payload: \"\") and refuses a number", async () => {
    const contents = testPayload("SCANNER_UPDATE_COMPLETED", HOST).contents;
    const [id] = Object.keys(contents.replicas);
    const withVersion = (version: unknown) => ({
      ...contents,
      replicas: { [id!]: { db_updated_at: "2015-01-02T15:04:05Z", version, replica_id: id } },
    });
    for (const version of ["", "1.2.3"]) {
      await producer().post("/api/v0/events").send({ type: "SCANNER_UPDATE_COMPLETED", contents: withVersion(version) }).expect(202);
    }
    const res = await producer().post("/api/v0/events").send({ type: "SCANNER_UPDATE_COMPLETED", contents: withVersion(1) }).expect(400);
    expect(res.body).toMatchObject({ errors: [{ detail: { field: `contents.replicas.${id!}.version` } }] });
  });
});
