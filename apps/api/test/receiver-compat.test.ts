// Existing MSR/DTR receivers work unchanged. The payloads the Jenkins dockerhub-notification plugin
// captured from DTR (fixtures/dtr-receivers, with their source) are events we accept as they are;
// and what we send, test payloads and real deliveries of every type the plugin handles, read through
// a port of the plugin's own parsing (support/jenkins-dtr-receiver.ts), gives the repository, tag,
// host, digest and time the plugin gets from DTR's payload, so the same Jenkins jobs build.
import { readFileSync } from "node:fs";
import path from "node:path";
import { validateContents } from "@msr-webhooks/events/validate";
import { startReceiver, type ReceivedRequest, type Receiver } from "@msr-webhooks/testing/receiver";
import { ADMIN, as, createTestContext, type TestContext } from "./support/test-context.js";
import { createOrg, createRepo, createToken, createUser, type UserFixture } from "./support/fixtures.js";
import { JENKINS_DTR_EVENT_TYPES, parseDtrPayload, triggersJob, type JenkinsDtrEventType } from "./support/jenkins-dtr-receiver.js";
import { waitUntil } from "./support/wait.js";
import { startWorker, type WorkerProcess } from "./support/worker-process.js";

const FIXTURES = path.resolve(import.meta.dirname, "fixtures/dtr-receivers/jenkins-dockerhub-notification");
// The host of the plugin's captured payloads; ours is set to it so the two can be compared whole.
const DTR_HOST = "dtr.unit.test.com";
const FILES: Record<JenkinsDtrEventType, string> = {
  TAG_PUSH: "docker-trusted-registry-payload-tag-push.json",
  TAG_DELETE: "docker-trusted-registry-payload-tag-delete.json",
  MANIFEST_PUSH: "docker-trusted-registry-payload-manifest-push.json",
  MANIFEST_DELETE: "docker-trusted-registry-payload-manifest-delete.json",
  SCAN_COMPLETED: "docker-trusted-registry-payload-scan-completed.json",
};
const TYPES = Object.keys(JENKINS_DTR_EVENT_TYPES) as JenkinsDtrEventType[];
const NOTIFY = "/dockertrustedregistry-webhook/notify";

interface Captured {
  type: JenkinsDtrEventType;
  createdAt: string;
  contents: Record<string, unknown>;
  location: string;
}

const captured = (type: JenkinsDtrEventType): { raw: string; payload: Captured } => {
  const raw = readFileSync(path.join(FIXTURES, FILES[type]), "utf8");
  return { raw, payload: JSON.parse(raw) as Captured };
};

let ctx: TestContext;
let worker: WorkerProcess;
let receiver: Receiver;
let svc: UserFixture;
let producerToken: string;

const admin = () => as(ctx, ADMIN.username, ADMIN.password);
const producer = () => as(ctx, svc.name, producerToken);

beforeAll(async () => {
  ctx = await createTestContext({ REGISTRY_HOST: DTR_HOST });
  const foo = await createOrg(ctx, "foo");
  await createRepo(ctx, foo, "bar");
  svc = await createUser(ctx, "dtr-svc");
  producerToken = (await createToken(ctx, svc, "producer")).token;
  receiver = await startReceiver();
  worker = await startWorker(ctx);
});

afterAll(async () => {
  await worker?.stop();
  await receiver?.close();
  await ctx?.close();
});

describe("DTR's captured payloads", () => {
  it.each(TYPES)("%s: the plugin reads foo/bar:latest from it (the port agrees with the plugin's own test)", (type) => {
    const n = parseDtrPayload(captured(type).raw);
    expect(n).toMatchObject({ eventType: type, repoName: `${DTR_HOST}/foo/bar`, registryHost: DTR_HOST, tag: "latest" });
    // The plugin's test: a job on that repository builds for TAG_PUSH by default, for any type it lists.
    expect(triggersJob(n, { repoNames: [`${DTR_HOST}/foo/bar`], eventTypes: [type] })).toBe(true);
    expect(triggersJob(n, { repoNames: [`${DTR_HOST}/foo/bar`], eventTypes: [] })).toBe(type === "TAG_PUSH");
  });

  it.each(TYPES)("%s: its contents validate against our schema and are accepted by POST /api/v0/events", async (type) => {
    const { payload } = captured(type);
    expect(validateContents(type, payload.contents)).toEqual({ ok: true, contents: payload.contents });
    await producer().post("/api/v0/events").send({ type, createdAt: payload.createdAt, contents: payload.contents }).expect(202);
  });
});

describe("our test payloads (POST /webhooks/test)", () => {
  it.each(TYPES)("%s: the plugin gets what it gets from DTR's", async (type) => {
    const res = await admin()
      .post("/api/v0/webhooks/test")
      .send({ type, endpoint: `http://127.0.0.1:${receiver.port}${NOTIFY}?test=${type}`, skipTLSVerification: true })
      .expect(200);
    expect((res.body as { ok: boolean }).ok).toBe(true);
    const sent = receiver.requests.find((r) => r.path === `${NOTIFY}?test=${type}`);
    expect(parseDtrPayload(sent!.body)).toEqual(parseDtrPayload(captured(type).raw));
  });
});

describe("our deliveries", () => {
  it("of every type the plugin handles give it what DTR's did, with DTR's contents byte for byte", async () => {
    for (const type of TYPES) {
      await admin()
        .post("/api/v0/webhooks")
        .send({ type, key: "foo/bar", endpoint: `http://127.0.0.1:${receiver.port}${NOTIFY}`, skipTLSVerification: true })
        .expect(201);
    }
    // Published after subscribing; the same contents as DTR sent (the test above stored one of each before).
    for (const type of TYPES) {
      const { payload } = captured(type);
      await producer().post("/api/v0/events").send({ type, createdAt: payload.createdAt, contents: payload.contents }).expect(202);
    }
    const delivered = await waitUntil("one delivery of each type", () => {
      const got = receiver.requests.filter((r) => r.path === NOTIFY);
      return TYPES.every((t) => got.some((r) => (JSON.parse(r.body) as { type: string }).type === t)) ? got : false;
    });
    for (const type of TYPES) {
      const { payload, raw } = captured(type);
      const ours = delivered.find((r: ReceivedRequest) => (JSON.parse(r.body) as { type: string }).type === type)!;
      expect(parseDtrPayload(ours.body)).toEqual(parseDtrPayload(raw));
      expect(ours.body).toBe(
        `{"type":"${type}","createdAt":"${payload.createdAt}","contents":${JSON.stringify(payload.contents)},"location":"${payload.location}"}`,
      );
    }
  });
});
