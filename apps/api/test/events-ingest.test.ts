// How producers' events enter, against real PostgreSQL and Redis. POST /api/v0/events: who may
// publish, one event or a batch (all or nothing, the failing index named), errors that name the
// field, storage with a queued fan-out, the 24-hour dedupe on the producer's id. The events
// queue, with the worker running as a process: publishEvent() and a job built by hand in the
// documented format are stored and delivered; an invalid job is recorded as rejected.
import { createHash } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { closePublisher, publishEvent, type PublishableEvent } from "@msr-webhooks/events/publish";
import { testPayload } from "@msr-webhooks/events/test-payloads";
import { EVENT_TYPES } from "@msr-webhooks/events/types";
import { fanoutJobId, QUEUE_NAMES } from "@msr-webhooks/queue/names";
import { startReceiver, type ReceivedRequest, type Receiver } from "@msr-webhooks/testing/receiver";
import { redisUrl } from "@msr-webhooks/testing/redis";
import { ADMIN, anon, as, createTestContext, type TestContext } from "./support/test-context.js";
import { createOrg, createRepo, createToken, createUser, type UserFixture } from "./support/fixtures.js";
import { queuesDrained, waitUntil } from "./support/wait.js";
import { startWorker, type WorkerProcess } from "./support/worker-process.js";

const HOST = "registry.test:5000";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Accepted {
  id: string;
  duplicate: boolean;
}
interface ErrorBody {
  errors: { code: string; message: string; detail?: { field?: string; index?: number; errors?: { field: string; message: string }[] } }[];
}

let ctx: TestContext;
let svc: UserFixture; // owns the producer token
let producerToken: string;
let userToken: string;
let plain: UserFixture;
let redis: Redis;
let fanout: Queue;

const producer = () => as(ctx, svc.name, producerToken);
const errorOf = (body: unknown) => (body as ErrorBody).errors[0]!;
const eventCount = () => ctx.deps.services.db.event.count();

function tagPush(overrides: Record<string, unknown> = {}) {
  return { type: "TAG_PUSH", contents: { ...testPayload("TAG_PUSH", HOST).contents, ...overrides } };
}

beforeAll(async () => {
  ctx = await createTestContext();
  svc = await createUser(ctx, "scanner-svc");
  producerToken = (await createToken(ctx, svc, "producer")).token;
  plain = await createUser(ctx, "plain");
  userToken = (await createToken(ctx, plain, "user")).token;
  redis = new Redis(redisUrl(), { maxRetriesPerRequest: null });
  fanout = new Queue(QUEUE_NAMES.fanout, { connection: redis, prefix: ctx.queuePrefix });
});

afterAll(async () => {
  await fanout.close();
  redis.disconnect();
  await ctx.close();
});

describe("who may publish", () => {
  it("accepts a producer token: 202 with the stored event's id, and queues its fan-out", async () => {
    const payload = testPayload("TAG_PUSH", HOST);
    const res = await producer()
      .post("/api/v0/events")
      .send({ type: "TAG_PUSH", createdAt: "2024-05-01T12:00:00.5+02:00", contents: payload.contents })
      .expect(202);
    const body = res.body as Accepted;
    expect(body).toEqual({ id: expect.stringMatching(UUID), duplicate: false });
    const row = await ctx.deps.services.db.event.findUniqueOrThrow({ where: { id: body.id } });
    expect(row).toMatchObject({
      type: "TAG_PUSH",
      source: "http",
      producerId: null,
      status: "pending",
      contents: payload.contents,
      location: payload.location,
      namespace: "foo",
      repository: "bar",
    });
    expect(row.createdAt.toISOString()).toBe("2024-05-01T10:00:00.500Z");
    const job = await fanout.getJob(fanoutJobId(body.id));
    expect(job?.data).toEqual({ eventId: body.id });
  });

  it("accepts a system admin", async () => {
    await as(ctx, ADMIN.username, ADMIN.password).post("/api/v0/events").send(tagPush()).expect(202);
  });

  it("refuses a normal user's token and password with 403, and anonymous callers with 401", async () => {
    const before = await eventCount();
    const byToken = await as(ctx, plain.name, userToken).post("/api/v0/events").send(tagPush()).expect(403);
    expect(errorOf(byToken.body)).toMatchObject({ code: "NOT_AUTHORIZED", message: expect.stringContaining("producer token") });
    await as(ctx, plain.name, plain.password).post("/api/v0/events").send(tagPush()).expect(403);
    const anonymous = await anon(ctx).post("/api/v0/events").send(tagPush()).expect(401);
    expect(errorOf(anonymous.body).code).toBe("NOT_AUTHENTICATED");
    expect(await eventCount()).toBe(before);
  });

  it("keeps a producer token to publishing: it cannot list webhooks", async () => {
    const res = await producer().get("/api/v0/webhooks").expect(403);
    expect(errorOf(res.body).code).toBe("NOT_AUTHORIZED");
  });
});

describe("one event", () => {
  it.each(EVENT_TYPES.map((t) => [t]))("stores a %s test payload", async (type) => {
    const payload = testPayload(type, HOST);
    const res = await producer().post("/api/v0/events").send({ type, contents: payload.contents }).expect(202);
    const row = await ctx.deps.services.db.event.findUniqueOrThrow({ where: { id: (res.body as Accepted).id } });
    expect(row.type).toBe(type);
    expect(row.contents).toEqual(payload.contents);
    expect(row.location).toBe(payload.location ?? null);
  });

  it.each([
    ["a bad digest", tagPush({ digest: "latest" }), "contents.digest"],
    ["a missing contents field", { type: "TAG_PUSH", contents: { ...testPayload("TAG_PUSH", HOST).contents, tag: undefined } }, "contents.tag"],
    ["an unknown contents field", tagPush({ reponame: "bar" }), "contents.reponame"],
    ["an unknown type", { type: "IMAGE_PUSHED", contents: {} }, "type"],
    ["no contents", { type: "TAG_PUSH" }, "contents"],
    ["an unknown top-level field", { ...tagPush(), priority: 1 }, "priority"],
    ["a createdAt without zone", { ...tagPush(), createdAt: "2024-05-01T12:00:00" }, "createdAt"],
    ["an empty id", { ...tagPush(), id: "" }, "id"],
  ])("refuses %s with 400 naming the field, storing nothing", async (_what, body, field) => {
    const before = await eventCount();
    const res = await producer().post("/api/v0/events").send(body).expect(400);
    const error = errorOf(res.body);
    expect(error.code).toBe("INVALID_PARAMETERS");
    expect(error.detail?.field).toBe(field);
    expect(error.detail?.errors?.map((e) => e.field)).toContain(field);
    expect(error.message).toContain(field);
    expect(error.detail?.index).toBeUndefined();
    expect(await eventCount()).toBe(before);
  });

  it("stores a NUL character in free text as U+FFFD (PostgreSQL cannot hold NUL)", async () => {
    const contents = { ...testPayload("SCAN_FAILED", HOST).contents, error: "bad\u0000byte" };
    const res = await producer().post("/api/v0/events").send({ type: "SCAN_FAILED", contents, id: "nul\u0000id" }).expect(202);
    const row = await ctx.deps.services.db.event.findUniqueOrThrow({ where: { id: (res.body as Accepted).id } });
    expect((row.contents as { error: string }).error).toBe("bad\uFFFDbyte");
    expect(row.producerId).toBe("nul\uFFFDid");
  });

  it("names every problem of an event at once", async () => {
    const res = await producer().post("/api/v0/events").send(tagPush({ digest: "x", tag: "bad tag" })).expect(400);
    expect(errorOf(res.body).detail?.errors?.map((e) => e.field).sort()).toEqual(["contents.digest", "contents.tag"]);
  });

  it("refuses a JSON array body (INVALID_JSON) and a body that is not JSON (415)", async () => {
    const array = await producer().post("/api/v0/events").send([tagPush()]).expect(400);
    expect(errorOf(array.body).code).toBe("INVALID_JSON");
    const text = await producer().post("/api/v0/events").set("Content-Type", "text/plain").send("TAG_PUSH").expect(415);
    expect(errorOf(text.body).code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });
});

describe("a batch", () => {
  it("stores every event and answers their ids in order", async () => {
    const events = [tagPush({ tag: "b1" }), tagPush({ tag: "b2" }), { type: "SCAN_FAILED", contents: testPayload("SCAN_FAILED", HOST).contents }];
    const res = await producer().post("/api/v0/events").send({ events }).expect(202);
    const accepted = (res.body as { events: Accepted[] }).events;
    expect(accepted).toHaveLength(3);
    expect(accepted.every((a) => !a.duplicate && UUID.test(a.id))).toBe(true);
    const rows = await Promise.all(accepted.map((a) => ctx.deps.services.db.event.findUniqueOrThrow({ where: { id: a.id } })));
    expect(rows.map((r) => [r.type, (r.contents as { tag: string }).tag])).toEqual([
      ["TAG_PUSH", "b1"],
      ["TAG_PUSH", "b2"],
      ["SCAN_FAILED", "latest"],
    ]);
    for (const a of accepted) expect((await fanout.getJob(fanoutJobId(a.id)))?.data).toEqual({ eventId: a.id });
  });

  it("rejects the whole batch when one event is invalid, naming its index; nothing is stored", async () => {
    const before = await eventCount();
    const events = [tagPush({ tag: "ok1" }), tagPush({ digest: "sha256:short" }), tagPush({ tag: "ok3" })];
    const res = await producer().post("/api/v0/events").send({ events }).expect(400);
    const error = errorOf(res.body);
    expect(error.code).toBe("INVALID_PARAMETERS");
    expect(error.detail).toMatchObject({ index: 1, field: "events.1.contents.digest" });
    expect(error.message).toMatch(/^event 1: events\.1\.contents\.digest /);
    expect(await eventCount()).toBe(before);
  });

  it.each([
    ["an empty list", { events: [] }, "events"],
    ["events that is not a list", { events: tagPush() }, "events"],
    ["another field beside events", { events: [tagPush()], dryRun: true }, "dryRun"],
  ])("refuses %s with 400", async (_what, body, field) => {
    const res = await producer().post("/api/v0/events").send(body).expect(400);
    expect(errorOf(res.body)).toMatchObject({ code: "INVALID_PARAMETERS", detail: { field } });
  });

  it("refuses more than 1000 events", async () => {
    const events = Array.from({ length: 1001 }, () => ({ type: "TAG_PULL", contents: testPayload("TAG_PULL", HOST).contents }));
    const res = await producer().post("/api/v0/events").send({ events }).expect(400);
    expect(errorOf(res.body).detail?.field).toBe("events");
  });
});

describe("the producer's id", () => {
  const byProducerId = (id: string) => ctx.deps.services.db.event.findMany({ where: { producerId: id } });

  it("makes a repeat a duplicate: the first event's id, nothing stored twice", async () => {
    const first = (await producer().post("/api/v0/events").send({ ...tagPush(), id: "scan:42" }).expect(202)).body as Accepted;
    const again = (await producer().post("/api/v0/events").send({ ...tagPush({ tag: "other" }), id: "scan:42" }).expect(202))
      .body as Accepted;
    expect(again).toEqual({ id: first.id, duplicate: true });
    expect(await byProducerId("scan:42")).toHaveLength(1);
  });

  it("dedupes within one batch and against earlier events", async () => {
    await producer().post("/api/v0/events").send({ ...tagPush(), id: "batch-a" }).expect(202);
    const res = await producer()
      .post("/api/v0/events")
      .send({ events: [{ ...tagPush(), id: "batch-a" }, { ...tagPush(), id: "batch-b" }, { ...tagPush(), id: "batch-b" }] })
      .expect(202);
    const [a, b1, b2] = (res.body as { events: Accepted[] }).events;
    expect(a!.duplicate).toBe(true);
    expect(b1!.duplicate).toBe(false);
    expect(b2).toEqual({ id: b1!.id, duplicate: true });
    expect(await byProducerId("batch-b")).toHaveLength(1);
    expect(await fanout.getJob(fanoutJobId(b1!.id))).toBeDefined();
  });

  it("stores the same id once when repeats race", async () => {
    const sends = Array.from({ length: 6 }, () => producer().post("/api/v0/events").send({ ...tagPush(), id: "race-1" }).expect(202));
    const bodies = (await Promise.all(sends)).map((r) => r.body as Accepted);
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    expect(bodies.filter((b) => !b.duplicate)).toHaveLength(1);
    expect(await byProducerId("race-1")).toHaveLength(1);
  });

  it("accepts the id again after 24 hours", async () => {
    const old = (await producer().post("/api/v0/events").send({ ...tagPush(), id: "daily" }).expect(202)).body as Accepted;
    await ctx.deps.services.db.event.update({
      where: { id: old.id },
      data: { receivedAt: new Date(Date.now() - 25 * 3600 * 1000) },
    });
    const fresh = (await producer().post("/api/v0/events").send({ ...tagPush(), id: "daily" }).expect(202)).body as Accepted;
    expect(fresh.duplicate).toBe(false);
    expect(fresh.id).not.toBe(old.id);
    expect((await byProducerId("daily")).map((r) => r.id)).toEqual([fresh.id]);
    expect(await ctx.deps.services.db.event.findUnique({ where: { id: old.id } })).not.toBeNull();
  });
});

describe("the events queue, through the worker", () => {
  let worker: WorkerProcess;
  let receiver: Receiver;
  let events: Queue;

  const queued = (where: Record<string, unknown>) => ctx.deps.services.db.event.findMany({ where: { source: "queue", ...where } });
  const deliveriesTo = (path: string) => receiver.requests.filter((r) => r.path === path);

  beforeAll(async () => {
    const foo = await createOrg(ctx, "foo");
    await createRepo(ctx, foo, "bar");
    receiver = await startReceiver();
    await as(ctx, ADMIN.username, ADMIN.password)
      .post("/api/v0/webhooks")
      .send({ type: "SCAN_FAILED", key: "foo/bar", endpoint: `${receiver.url}/scan-failed`, skipTLSVerification: true })
      .expect(201);
    events = new Queue(QUEUE_NAMES.ingest, { connection: redis, prefix: ctx.queuePrefix });
    worker = await startWorker(ctx);
  });

  afterAll(async () => {
    await closePublisher();
    await events?.close();
    await worker?.stop();
    await receiver?.close();
  });

  it("stores what publishEvent enqueued, for every event type", async () => {
    for (const type of EVENT_TYPES) {
      const { contents } = testPayload(type, HOST);
      await publishEvent(redis, { id: `sdk-${type}`, type, contents } as PublishableEvent, { prefix: ctx.queuePrefix });
    }
    const rows = await waitUntil("every published event", async () => {
      const r = await queued({ producerId: { startsWith: "sdk-" } });
      return r.length === EVENT_TYPES.length ? r : false;
    });
    for (const type of EVENT_TYPES) {
      const row = rows.find((r) => r.type === type);
      expect(row).toMatchObject({ producerId: `sdk-${type}`, contents: testPayload(type, HOST).contents });
      expect(row!.status).not.toBe("rejected");
    }
  });

  it("accepts a job built by hand in the documented format, and delivers it", async () => {
    const id = "hand-built:1";
    const contents = { ...testPayload("SCAN_FAILED", HOST).contents, error: "built by hand" };
    await events.add("SCAN_FAILED", { id, type: "SCAN_FAILED", contents }, {
      jobId: `event-${createHash("sha256").update(id).digest("hex")}`,
      removeOnComplete: true,
    });
    const [row] = await waitUntil("the hand-built event", async () => {
      const r = await queued({ producerId: id });
      return r.length === 1 ? r : false;
    });
    expect(row!.location).toBe("/repositories/foo/bar/tags/latest");
    const delivery = await waitUntil<ReceivedRequest>("its delivery", () =>
      Promise.resolve(deliveriesTo("/scan-failed").find((r) => r.body.includes("built by hand")) ?? false),
    );
    expect(JSON.parse(delivery.body)).toEqual({
      type: "SCAN_FAILED",
      createdAt: expect.any(String),
      contents,
      location: "/repositories/foo/bar/tags/latest",
    });
  });

  it("records an invalid job as rejected with the reason, and never delivers it", async () => {
    const contents = { ...testPayload("SCAN_FAILED", HOST).contents, error: "never delivered", tag: "no spaces allowed" };
    await events.add("SCAN_FAILED", { type: "SCAN_FAILED", contents }, { removeOnComplete: true });
    const [row] = await waitUntil("the rejected event", async () => {
      const r = await ctx.deps.services.db.event.findMany({ where: { status: "rejected" } });
      return r.length === 1 ? r : false;
    });
    expect(row!.reason).toContain("contents.tag");
    // A valid event queued after it, to the same subscription: once it has been delivered and the
    // queues are drained, a delivery of the rejected one would have arrived too.
    const sentinel = { ...testPayload("SCAN_FAILED", HOST).contents, error: "queued after the rejected one" };
    await events.add("SCAN_FAILED", { type: "SCAN_FAILED", contents: sentinel }, { removeOnComplete: true });
    await waitUntil("the event queued after it to be delivered", () => deliveriesTo("/scan-failed").find((r) => r.body.includes(sentinel.error)));
    await queuesDrained(ctx);
    expect(receiver.requests.some((r) => r.body.includes("never delivered"))).toBe(false);
    expect(await ctx.deps.services.db.delivery.count({ where: { eventId: row!.id } })).toBe(0);
  });

  it("shares producer ids with HTTP ingest: a queued repeat of an HTTP event is dropped", async () => {
    const { contents } = testPayload("SCAN_FAILED", HOST);
    const first = (await producer().post("/api/v0/events").send({ id: "both-paths", type: "SCAN_FAILED", contents }).expect(202))
      .body as Accepted;
    await publishEvent(redis, { id: "both-paths", type: "SCAN_FAILED", contents }, { prefix: ctx.queuePrefix });
    const dropped = await waitUntil<Record<string, unknown>>("the worker to drop the repeat", () =>
      Promise.resolve(worker.logs.find((l) => l["message"] === "duplicate event dropped" && l["producerId"] === "both-paths") ?? false),
    );
    expect(dropped["firstEventId"]).toBe(first.id);
    const rows = await ctx.deps.services.db.event.findMany({ where: { producerId: "both-paths" } });
    expect(rows.map((r) => r.id)).toEqual([first.id]);
  });
});
