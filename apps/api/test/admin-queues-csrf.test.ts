// The queue dashboard's writes cannot be forged by another site in a browser that holds a system
// admin's Basic credentials: form and text/plain bodies (sent cross-site without a preflight) get
// 415, a foreign Origin or Sec-Fetch-Site gets 403, and none of them changes a queue. The
// dashboard's own writes (JSON or no body, same origin) still work.
import request from "supertest";
import { ADMIN, basic, createTestContext, type TestContext } from "./support/test-context.js";

let ctx: TestContext;
const auth = basic(ADMIN.username, ADMIN.password);

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.close();
});

function eventsQueue() {
  const queue = ctx.deps.queues.find((q) => q.name === "events");
  if (!queue) throw new Error("no events queue");
  return queue;
}

function expectMsrError(res: request.Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ errors: [{ code, message: expect.any(String) }] });
}

it("refuses a form post that would add a job (415) and adds none", async () => {
  const res = await request(ctx.app)
    .post("/admin/queues/api/queues/events/add")
    .set("Authorization", auth)
    .type("form")
    .send({ name: "TAG_PUSH", data: "{}" });
  expectMsrError(res, 415, "UNSUPPORTED_MEDIA_TYPE");
  expect(await eventsQueue().count()).toBe(0);
});

it("refuses a text/plain write (415) and leaves the queue running", async () => {
  const res = await request(ctx.app)
    .put("/admin/queues/api/queues/events/pause")
    .set("Authorization", auth)
    .set("Content-Type", "text/plain")
    .send("{}");
  expectMsrError(res, 415, "UNSUPPORTED_MEDIA_TYPE");
  expect(await eventsQueue().isPaused()).toBe(false);
});

it.each([
  ["a foreign Origin", { Origin: "https://attacker.example" }],
  ["an opaque Origin", { Origin: "null" }],
  ["a cross-site fetch", { "Sec-Fetch-Site": "cross-site" }],
])("refuses %s (403), even with a JSON body, and leaves the queue running", async (_name, headers) => {
  const res = await request(ctx.app)
    .put("/admin/queues/api/queues/events/pause")
    .set("Authorization", auth)
    .set(headers)
    .send({});
  expectMsrError(res, 403, "NOT_AUTHORIZED");
  expect(await eventsQueue().isPaused()).toBe(false);
});

it("lets the dashboard's own same-origin writes through", async () => {
  // As a browser on the dashboard's page sends it: Origin names the host the page came from.
  const res = await request(ctx.app)
    .put("/admin/queues/api/queues/events/pause")
    .set("Authorization", auth)
    .set("Host", "registry.example:8443")
    .set("Origin", "https://registry.example:8443")
    .set("Sec-Fetch-Site", "same-origin");
  expect(res.status).toBeLessThan(300);
  expect(await eventsQueue().isPaused()).toBe(true);
  await request(ctx.app).put("/admin/queues/api/queues/events/resume").set("Authorization", auth).expect((r) => {
    expect(r.status).toBeLessThan(300);
  });
  expect(await eventsQueue().isPaused()).toBe(false);
});
