// The API's own Redis keys on a real Redis Cluster (3 masters, a replica each, started by this
// test): console sessions (MULTI over a session and its account's index, the oldest evicted past
// SESSIONS_PER_USER), the sign-in gate's scripts, the per-user /webhooks/test window, and events
// queued for fan-out. Each multi-key command is legal only because every key starts with the
// hash-tagged prefix; afterwards all of them are found on the one master that owns that slot.
import { describeWhen } from "@msr-webhooks/testing/describe-when";
import request from "supertest";
import { Redis } from "ioredis";
import { redisServerAvailable, startRedisCluster, type RedisCluster } from "@msr-webhooks/testing/redis-cluster";
import { testPayload } from "@msr-webhooks/events/test-payloads";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { ADMIN, as, createTestContext, type TestContext } from "./support/test-context.js";
import { createOrg, createRepo, createUser, type UserFixture } from "./support/fixtures.js";

const describeCluster = describeWhen(redisServerAvailable(), "Redis Cluster: redis-server and redis-cli are not installed (scripts/ensure-services.sh installs them)");

describeCluster("the API on a Redis Cluster", () => {
  let cluster: RedisCluster;
  let ctx: TestContext;
  let user: UserFixture;
  let receiver: Receiver;

  const signIn = (password: string) =>
    request(ctx.app).post("/api/v0/session").set("Accept", "application/json").send({ username: user.name, password });
  const cookieOf = (res: request.Response): string => String((res.headers["set-cookie"] as unknown as string[])[0]).split(";")[0] ?? "";

  beforeAll(async () => {
    cluster = (await startRedisCluster(3, 1))!;
    ctx = await createTestContext({
      REDIS_URL: "",
      REDIS_CLUSTER_NODES: cluster.nodeList,
      AUTH_FAILURE_LIMIT: "3",
      SESSIONS_PER_USER: "2",
      WEBHOOK_TEST_RATE_LIMIT: "2",
    });
    user = await createUser(ctx, "casey");
    const foo = await createOrg(ctx, "foo");
    await createRepo(ctx, foo, "bar");
    receiver = await startReceiver({ handler: () => ({ status: 200 }) });
  });

  afterAll(async () => {
    await receiver?.close();
    await ctx?.close();
    await cluster?.stop();
  });

  it("hash-tags the deployment's prefix", () => {
    expect(ctx.config.queuePrefix).toBe(`{${ctx.queuePrefix}}`);
  });

  it("keeps console sessions, evicting the oldest past SESSIONS_PER_USER, and signs out", async () => {
    const cookies: string[] = [];
    for (let i = 0; i < 3; i += 1) cookies.push(cookieOf(await signIn(user.password).expect(201)));
    await request(ctx.app).get("/api/v0/session").set("Cookie", cookies[0]!).set("Accept", "application/json").expect(401);
    await request(ctx.app).get("/api/v0/session").set("Cookie", cookies[2]!).set("Accept", "application/json").expect(200);
    await request(ctx.app).delete("/api/v0/session").set("Cookie", cookies[2]!).set("Accept", "application/json").expect(204);
    await request(ctx.app).get("/api/v0/session").set("Cookie", cookies[2]!).set("Accept", "application/json").expect(401);
  });

  it("counts failed sign-ins in the sign-in gate: past the limit even the right password gets 429", async () => {
    for (let i = 0; i < 3; i += 1) await signIn(`wrong-${i}`).expect(401);
    await signIn(user.password).expect(429);
  });

  it("limits POST /webhooks/test per user and queues events for fan-out", async () => {
    const admin = () => as(ctx, ADMIN.username, ADMIN.password);
    const test = () => admin().post("/api/v0/webhooks/test").send({ type: "TAG_PUSH", endpoint: `${receiver.url}/t`, skipTLSVerification: true });
    await test().expect(200);
    await test().expect(200);
    await test().expect(429);
    await admin().post("/api/v0/webhooks").send({ type: "TAG_PUSH", key: "foo/bar", endpoint: `${receiver.url}/w`, skipTLSVerification: true }).expect(201);
    const contents = { ...testPayload("TAG_PUSH", "registry.test:5000").contents, repository: "bar" };
    await admin().post("/api/v0/events").send({ type: "TAG_PUSH", contents }).expect(202);
    const fanout = ctx.deps.queues.find((q) => q.name === "fanout")!;
    const counts = await fanout.getJobCounts();
    expect(Object.values(counts).reduce((sum, n) => sum + n, 0)).toBe(1);
  });

  it("wrote every key into the one slot of the prefix", async () => {
    const node = new Redis(await cluster.masterOf(ctx.config.queuePrefix), "127.0.0.1");
    try {
      const keys = await node.keys("*");
      expect(keys.filter((k) => !k.startsWith(`${ctx.config.queuePrefix}:`))).toEqual([]);
      for (const part of [":session:", ":{sign-in}:", ":fanout:"]) expect(keys.some((k) => k.includes(part))).toBe(true);
    } finally {
      node.disconnect();
    }
  });
});
