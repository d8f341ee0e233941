// The producer SDK against a real Redis: the job format documented in the README, validation
// before anything is enqueued, and the BullMQ key layout a hand-written producer relies on.
import { createHash, randomBytes } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { QUEUE_NAMES } from "@msr-webhooks/queue/names";
import {
  closePublisher,
  DEFAULT_QUEUE_PREFIX,
  eventJobId,
  EVENTS_QUEUE,
  InvalidEventError,
  publishEvent,
  publishEvents,
  type PublishableEvent,
} from "../src/publish.js";
import { testPayload } from "../src/test-payloads.js";
import { EVENT_TYPES, type EventType } from "../src/types.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const HOST = "reg.example.com";

let redis: Redis;
let prefix: string;
let queue: Queue;

async function deleteKeys(client: Redis, pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== "0");
}

function eventOf<T extends EventType>(type: T, extra: Partial<PublishableEvent> = {}): PublishableEvent {
  return { type, contents: testPayload(type, HOST).contents, ...extra } as PublishableEvent;
}

beforeEach(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  prefix = `msrwh-t-${randomBytes(5).toString("hex")}`;
  queue = new Queue(EVENTS_QUEUE, { connection: redis, prefix });
});

afterEach(async () => {
  await closePublisher();
  await queue.close();
  await deleteKeys(redis, `${prefix}:*`);
  redis.disconnect();
});

describe("the events queue", () => {
  it("is the queue package's ingest queue", () => {
    expect(EVENTS_QUEUE).toBe(QUEUE_NAMES.ingest);
    expect(DEFAULT_QUEUE_PREFIX).toBe("msrwh");
  });
});

describe("publishEvent", () => {
  it.each(EVENT_TYPES.map((t) => [t]))("enqueues a %s job in the documented format", async (type) => {
    const payload = testPayload(type, HOST);
    const published = await publishEvent(redis, { type, contents: payload.contents } as PublishableEvent, { prefix });

    const job = await queue.getJob(published.jobId);
    expect(job).toBeDefined();
    expect(job!.name).toBe(type);
    const expected: Record<string, unknown> = { type, createdAt: expect.any(String), contents: payload.contents };
    if (payload.location !== undefined) expected["location"] = payload.location;
    expect(job!.data).toEqual(expected);
    expect(Object.keys(job!.data as object).sort()).toEqual(Object.keys(expected).sort());
    expect(job!.opts.removeOnComplete).toBe(true);
    expect(published.event).toEqual(job!.data);
    expect(await queue.getWaitingCount()).toBe(1);
  });

  it("keeps the producer's id and uses a deterministic job id without ':'", async () => {
    const id = "scanner:run-42:foo/bar";
    const published = await publishEvent(redis, eventOf("SCAN_FAILED", { id }), { prefix });
    expect(published.jobId).toBe(eventJobId(id));
    expect(published.jobId).toBe(`event-${createHash("sha256").update(id).digest("hex")}`);
    expect(published.jobId).not.toContain(":");
    const job = await queue.getJob(published.jobId);
    expect((job!.data as { id: string }).id).toBe(id);
  });

  it("adds a repeated id once while the first job is still queued", async () => {
    const first = await publishEvent(redis, eventOf("TAG_PUSH", { id: "same" }), { prefix });
    const second = await publishEvent(redis, eventOf("TAG_PUSH", { id: "same" }), { prefix });
    expect(second.jobId).toBe(first.jobId);
    expect(await queue.getWaitingCount()).toBe(1);
  });

  it("writes createdAt as Go prints a time: a Date, a string with an offset, or now", async () => {
    const fromDate = await publishEvent(redis, eventOf("TAG_PULL", { createdAt: new Date("2024-03-01T10:00:00.250Z") }), {
      prefix,
    });
    expect(fromDate.event.createdAt).toBe("2024-03-01T10:00:00.25Z");
    const fromString = await publishEvent(redis, eventOf("TAG_PULL", { createdAt: "2024-03-01T12:00:00+02:00" }), {
      prefix,
    });
    expect(fromString.event.createdAt).toBe("2024-03-01T10:00:00Z");
    const before = Date.now();
    const defaulted = await publishEvent(redis, eventOf("TAG_PULL"), { prefix });
    expect(Date.parse(defaulted.event.createdAt)).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(defaulted.event.createdAt)).toBeLessThanOrEqual(Date.now());
  });

  it("keeps a location the producer gives", async () => {
    const published = await publishEvent(redis, eventOf("TAG_PUSH", { location: "/custom/place" }), { prefix });
    const job = await queue.getJob(published.jobId);
    expect((job!.data as { location: string }).location).toBe("/custom/place");
  });

  it("rejects invalid contents with field errors before enqueueing", async () => {
    const contents = { ...testPayload("TAG_PUSH", HOST).contents, digest: "latest", extra: 1 };
    const attempt = publishEvent(redis, { type: "TAG_PUSH", contents } as PublishableEvent, { prefix });
    await expect(attempt).rejects.toBeInstanceOf(InvalidEventError);
    const err = (await attempt.catch((e: unknown) => e)) as InvalidEventError;
    expect(err.errors).toEqual(
      expect.arrayContaining([
        { field: "contents.digest", message: expect.stringContaining("digest") },
        { field: "contents.extra", message: "is not a field of this object" },
      ]),
    );
    expect(err.index).toBeUndefined();
    expect(err.message).toContain("contents.digest");
    expect(await queue.getJobCounts()).toEqual(expect.objectContaining({ waiting: 0, delayed: 0 }));
  });

  it("rejects an unknown type and a REPO_* alias on the field type", async () => {
    const unknown = { type: "IMAGE_PUSHED", contents: {} } as unknown as PublishableEvent;
    await expect(publishEvent(redis, unknown, { prefix })).rejects.toMatchObject({
      errors: [{ field: "type", message: expect.stringContaining("TAG_PUSH") }],
    });
    const alias = { type: "REPO_CREATED", contents: {} } as unknown as PublishableEvent;
    await expect(publishEvent(redis, alias, { prefix })).rejects.toMatchObject({
      errors: [{ field: "type", message: expect.stringContaining("produce a REPO_EVENT") }],
    });
    expect(await queue.getWaitingCount()).toBe(0);
  });

  it("stores the job under the documented Redis keys", async () => {
    const published = await publishEvent(redis, eventOf("MANIFEST_PUSH", { id: "layout-check" }), { prefix });
    const jobKey = `${prefix}:events:${published.jobId}`;
    const hash = await redis.hgetall(jobKey);
    expect(hash["name"]).toBe("MANIFEST_PUSH");
    expect(JSON.parse(hash["data"]!)).toEqual(published.event);
    expect(await redis.lrange(`${prefix}:events:wait`, 0, -1)).toEqual([published.jobId]);
  });

  it("uses the prefix msrwh when none is given", async () => {
    // Database 15, so that a development deployment's own msrwh keys are never touched.
    const db15 = new Redis(REDIS_URL, { db: 15, maxRetriesPerRequest: null });
    try {
      const published = await publishEvent(db15, eventOf("TAG_PUSH", { id: randomBytes(8).toString("hex") }));
      expect(await db15.exists(`msrwh:events:${published.jobId}`)).toBe(1);
    } finally {
      await closePublisher(db15);
      await deleteKeys(db15, "msrwh:events:*");
      db15.disconnect();
    }
  });

  it("reuses one queue per connection and prefix", async () => {
    const name = `publish-cache-${randomBytes(4).toString("hex")}`;
    const options = { host: new URL(REDIS_URL).hostname, port: Number(new URL(REDIS_URL).port || 6379), connectionName: name };
    for (let i = 0; i < 5; i++) await publishEvent(options, eventOf("TAG_PULL"), { prefix });
    const clients = async () =>
      String(await redis.call("CLIENT", "LIST"))
        .split("\n")
        .filter((l) => l.includes(`name=${name}`));
    expect(await clients()).toHaveLength(1);
    expect(await queue.getWaitingCount()).toBe(5);
    await closePublisher(options);
    // closing drops the cached queue: its connection goes away (Redis lists it until it has seen
    // the close, so poll; the bound is only a sentinel for a connection that stays).
    const deadline = Date.now() + 30_000;
    while ((await clients()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await clients()).toHaveLength(0);
  });
});

describe("publishEvents", () => {
  it("adds every event in order with one addBulk", async () => {
    const events = EVENT_TYPES.map((t) => eventOf(t));
    const published = await publishEvents(redis, events, { prefix });
    expect(published.map((p) => p.event.type)).toEqual([...EVENT_TYPES]);
    const waiting = await queue.getWaiting(0, -1);
    expect(waiting.map((j) => j.name).sort()).toEqual([...EVENT_TYPES].sort());
    for (const p of published) expect((await queue.getJob(p.jobId))!.data).toEqual(p.event);
  });

  it("rejects the whole batch when one event is invalid, naming its index", async () => {
    const bad = { type: "TAG_DELETE", contents: { ...testPayload("TAG_DELETE", HOST).contents, tag: "bad tag" } };
    const attempt = publishEvents(redis, [eventOf("TAG_PUSH"), eventOf("TAG_PULL"), bad as PublishableEvent], { prefix });
    await expect(attempt).rejects.toMatchObject({
      index: 2,
      errors: [{ field: "contents.tag", message: expect.any(String) }],
    });
    await expect(attempt).rejects.toThrow(/event 2: contents\.tag/);
    expect(await queue.getWaitingCount()).toBe(0);
  });

  it("returns nothing and enqueues nothing for an empty batch", async () => {
    expect(await publishEvents(redis, [], { prefix })).toEqual([]);
    expect(await queue.getWaitingCount()).toBe(0);
  });
});
