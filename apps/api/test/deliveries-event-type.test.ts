// GET /api/v0/webhooks/{id}/deliveries?eventType=...: the console's event-type filter of the
// delivery log, asked of the API so that every page is full and paging stays exact.
import { ADMIN, as, createTestContext, type TestContext } from "./support/test-context.js";
import { seedDeliveries } from "./support/delivery-seed.js";

let ctx: TestContext;
let webhookId: string;
const admin = () => as(ctx, ADMIN.username, ADMIN.password);

beforeAll(async () => {
  ctx = await createTestContext();
  const res = await admin().post("/api/v0/webhooks").send({ type: "REPO_EVENT", key: "", endpoint: "https://127.0.0.1:1/hook" }).expect(201);
  webhookId = (res.body as { id: string }).id;
  const times = Array.from({ length: 6 }, (_, i) => ({ createdAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() }));
  const ids = await seedDeliveries(ctx, webhookId, times);
  // Every other delivery carries a TAG_DELETE event instead.
  const db = ctx.deps.services.db;
  for (const id of ids.filter((_, i) => i % 2 === 1)) {
    const d = await db.delivery.findUniqueOrThrow({ where: { id } });
    await db.event.update({ where: { id: d.eventId }, data: { type: "TAG_DELETE" } });
  }
});
afterAll(async () => {
  await ctx.close();
});

interface Page {
  deliveries: { eventType: string; createdAt: string }[];
  nextCursor: string | null;
}

describe("the delivery log's eventType filter", () => {
  it("answers only that type's deliveries, newest first, across pages", async () => {
    const first = (await admin().get(`/api/v0/webhooks/${webhookId}/deliveries?eventType=TAG_DELETE&limit=2`).expect(200)).body as Page;
    expect(first.deliveries.map((d) => d.eventType)).toEqual(["TAG_DELETE", "TAG_DELETE"]);
    expect(first.nextCursor).not.toBeNull();
    const second = (await admin().get(`/api/v0/webhooks/${webhookId}/deliveries?eventType=TAG_DELETE&limit=2&cursor=${first.nextCursor}`).expect(200))
      .body as Page;
    expect(second).toMatchObject({ deliveries: [{ eventType: "TAG_DELETE" }], nextCursor: null });
    const times = [...first.deliveries, ...second.deliveries].map((d) => d.createdAt);
    expect(times).toEqual([...times].sort().reverse());
    const push = (await admin().get(`/api/v0/webhooks/${webhookId}/deliveries?eventType=TAG_PUSH`).expect(200)).body as Page;
    expect(push.deliveries).toHaveLength(3);
  });

  it("refuses a type that does not exist with 400", async () => {
    const res = await admin().get(`/api/v0/webhooks/${webhookId}/deliveries?eventType=NOPE`).expect(400);
    expect(res.body.errors[0]).toMatchObject({ code: "INVALID_PARAMETERS" });
  });
});
