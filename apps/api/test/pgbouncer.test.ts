// Both apps through PgBouncer in transaction mode (Debian's pgbouncer, started by this test with
// three server connections for every client): the API (in-process) creates webhooks and takes
// events, the worker (a process) fans them out and delivers them to a loopback receiver, and the
// delivery log is read back through the API. Every statement of both apps goes through PgBouncer,
// so a session-bound habit (a startup parameter, a named prepared statement) fails here.
import { describeWhen } from "@msr-webhooks/testing/describe-when";
import { startPgBouncer, pgbouncerBinary, type PgBouncer } from "@msr-webhooks/testing/pgbouncer";
import { testPayload } from "@msr-webhooks/events/test-payloads";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { ADMIN, as, createTestContext, type TestContext } from "./support/test-context.js";
import { createOrg, createRepo, createToken, createUser, type UserFixture } from "./support/fixtures.js";
import { waitUntil } from "./support/wait.js";
import { startWorker, type WorkerProcess } from "./support/worker-process.js";

const WEBHOOKS = 5;
const EVENTS = 20;
const SERVER_CONNECTIONS = 3;

const describeBouncer = describeWhen(pgbouncerBinary() !== null, "PgBouncer: pgbouncer is not installed (scripts/ensure-services.sh installs it)");

describeBouncer("through PgBouncer in transaction mode", () => {
  let bouncer: PgBouncer;
  let ctx: TestContext;
  let worker: WorkerProcess;
  let receiver: Receiver;
  let producer: UserFixture;
  let producerToken: string;

  const admin = () => as(ctx, ADMIN.username, ADMIN.password);

  beforeAll(async () => {
    bouncer = (await startPgBouncer(SERVER_CONNECTIONS))!;
    ctx = await createTestContext((database) => ({ DATABASE_URL: bouncer.url(database.name) }));
    const foo = await createOrg(ctx, "foo");
    await createRepo(ctx, foo, "bar");
    producer = await createUser(ctx, "scanner-svc");
    producerToken = (await createToken(ctx, producer, "producer")).token;
    receiver = await startReceiver({ handler: () => ({ status: 200 }) });
    worker = await startWorker(ctx, { DATABASE_URL: bouncer.url(ctx.database.name), DB_POOL_SIZE: "10" });
  });

  afterAll(async () => {
    await worker?.stop();
    await receiver?.close();
    // The test database is dropped with FORCE; PgBouncer's server connections go with it.
    await ctx?.close();
    await bouncer?.stop();
  });

  it("delivers every event to every webhook and reads the delivery log back", async () => {
    const webhooks: string[] = [];
    for (let i = 0; i < WEBHOOKS; i += 1) {
      const res = await admin()
        .post("/api/v0/webhooks")
        .send({ type: "TAG_PUSH", key: "foo/bar", endpoint: `${receiver.url}/w${i}`, skipTLSVerification: true })
        .expect(201);
      webhooks.push((res.body as { id: string }).id);
    }
    const events = Array.from({ length: EVENTS }, (_, i) => ({
      type: "TAG_PUSH",
      contents: { ...testPayload("TAG_PUSH", "registry.test:5000").contents, repository: "bar", tag: `v${i}` },
    }));
    await Promise.all(events.map((event) => as(ctx, producer.name, producerToken).post("/api/v0/events").send(event).expect(202)));

    const arrived = () => new Set(receiver.requests.map((r) => String(r.headers["webhook-id"]))).size;
    await waitUntil(`${EVENTS * WEBHOOKS} deliveries to arrive`, () => arrived() >= EVENTS * WEBHOOKS);
    expect(arrived()).toBe(EVENTS * WEBHOOKS);

    for (const id of webhooks) {
      const log = await waitUntil(`webhook ${id}'s delivery log to show ${EVENTS} successes`, async () => {
        const res = await admin().get(`/api/v0/webhooks/${id}/deliveries?limit=500`).expect(200);
        const deliveries = (res.body as { deliveries: { id: string; status: string }[] }).deliveries;
        return deliveries.length === EVENTS && deliveries.every((d) => d.status === "succeeded") && deliveries;
      });
      const detail = await admin().get(`/api/v0/webhooks/${id}/deliveries/${log[0]!.id}`).expect(200);
      expect(detail.body).toMatchObject({ id: log[0]!.id, status: "succeeded" });
    }
    // No statement of the worker failed (a prepared statement missing on another server connection would be logged).
    expect(worker.logs.filter((l) => l["level"] === "error")).toEqual([]);
    // And the work did go through PgBouncer: its transactions on the test database are counted there.
    const stats = await bouncer.show("STATS");
    const ours = stats.find((row) => row["database"] === ctx.database.name);
    expect(Number(ours?.["total_xact_count"] ?? 0)).toBeGreaterThan(EVENTS);
  });
});
