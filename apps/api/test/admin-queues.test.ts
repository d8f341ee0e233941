// Bull Board at /admin/queues: system admins only, through the API's own Basic authentication
// (password or user token). Anonymous and bad credentials get MSR's 401 asking for Basic, other
// users (and an admin's producer token) MSR's 403; an admin gets the dashboard and its API.
import request from "supertest";
import { ADMIN, basic, createTestContext, type TestContext } from "./support/test-context.js";
import { createToken, createUser, type UserFixture } from "./support/fixtures.js";

let ctx: TestContext;
let bob: UserFixture;
let root: UserFixture;

beforeAll(async () => {
  ctx = await createTestContext();
  bob = await createUser(ctx, "bob");
  root = await createUser(ctx, "root2", { admin: true });
});

afterAll(async () => {
  await ctx.close();
});

function expectMsrError(res: request.Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  expect(res.body).toEqual({ errors: [{ code, message: expect.any(String) }] });
}

const page = (authorization?: string) => {
  const req = request(ctx.app).get("/admin/queues").set("Accept", "text/html");
  return authorization ? req.set("Authorization", authorization) : req;
};

describe("who may open /admin/queues", () => {
  it("asks an anonymous caller for Basic credentials (401)", async () => {
    const res = await page();
    expectMsrError(res, 401, "NOT_AUTHENTICATED");
    expect(res.headers["www-authenticate"]).toBe('Basic realm="msr-webhooks"');
  });

  it("refuses wrong credentials and other schemes (401)", async () => {
    expectMsrError(await page(basic(ADMIN.username, "wrong-password")), 401, "NOT_AUTHENTICATED");
    expectMsrError(await page("Bearer something"), 401, "NOT_AUTHENTICATED");
    expectMsrError(await request(ctx.app).get("/admin/queues/api/queues"), 401, "NOT_AUTHENTICATED");
  });

  it("refuses a user who is not a system admin (403), on the page and on its API", async () => {
    expectMsrError(await page(basic(bob.name, bob.password)), 403, "NOT_AUTHORIZED");
    const api = await request(ctx.app).get("/admin/queues/api/queues").set("Authorization", basic(bob.name, bob.password));
    expectMsrError(api, 403, "NOT_AUTHORIZED");
    // Nor may a non-admin act on a queue through the dashboard's API.
    const clean = await request(ctx.app)
      .put("/admin/queues/api/queues/deliveries/clean/failed")
      .set("Authorization", basic(bob.name, bob.password));
    expectMsrError(clean, 403, "NOT_AUTHORIZED");
  });

  it("refuses a system admin's producer token (403): it may only publish events", async () => {
    const producer = await createToken(ctx, root, "producer");
    expectMsrError(await page(basic(root.name, producer.token)), 403, "NOT_AUTHORIZED");
  });

  it("shows the dashboard to a system admin, with a password or a user token", async () => {
    const res = await page(basic(ADMIN.username, ADMIN.password)).expect(200);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    expect(res.text).toContain("msr-webhooks queues");
    const userToken = await createToken(ctx, root, "user");
    await page(basic(root.name, userToken.token)).expect(200);
  });

  it("lists the four queues of this deployment to an admin", async () => {
    const res = await request(ctx.app)
      .get("/admin/queues/api/queues")
      .set("Authorization", basic(ADMIN.username, ADMIN.password))
      .expect(200);
    const names = (res.body as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
    expect(names).toEqual(["deliveries", "events", "fanout", "maintenance"]);
  });
});
