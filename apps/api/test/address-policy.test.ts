// POST /api/v0/webhooks/test obeys the outbound address policy end to end, with loopback NOT allowed
// (only 127.0.0.2, which plays a public server here): 127.0.0.1, ::1, 0.0.0.0, an IPv4-mapped
// loopback, 169.254.169.254 and names resolving to them are a 400 INVALID_WEBHOOK and nothing
// reaches a server there. A name whose DNS answer changes between lookups is connected to exactly
// the address its send's lookup answered (after the subscribe-time screening's own lookup). A 302 to an allowed address is reported, not followed.
import { startCanary, startCanaryPair, type Canary } from "@msr-webhooks/testing/canary";
import { policyDns } from "@msr-webhooks/testing/dns";
import { as, createTestContext, type TestContext } from "./support/test-context.js";
import { createUser, type UserFixture } from "./support/fixtures.js";

// rebind.test: the first send's screening and connection, and the second send's screening, see 127.0.0.2.
const { lookup: resolver, lookups } = policyDns((n) => (n <= 3 ? "127.0.0.2" : "127.0.0.1"));

let ctx: TestContext;
let bob: UserFixture;
let canary: Canary;
let publicServer: Canary;
let rebindCanary: Canary;
let redirector: Canary;
let redirectTarget: Canary;

beforeAll(async () => {
  ctx = await createTestContext({ OUTBOUND_ALLOW_CIDRS: "127.0.0.2/32" }, { lookup: resolver });
  bob = await createUser(ctx, "bob");
  canary = await startCanary("::");
  [publicServer, rebindCanary] = await startCanaryPair("127.0.0.2", "127.0.0.1", (_req, res) =>
    res.writeHead(200, { Connection: "close" }).end("public"),
  );
  redirectTarget = await startCanary("127.0.0.2");
  redirector = await startCanary("127.0.0.2", 0, (_req, res) => res.writeHead(302, { Location: `http://127.0.0.2:${redirectTarget.port}/target` }).end());
});

afterAll(async () => {
  // Whatever beforeAll got to start, even if it failed halfway: an open server keeps jest from exiting.
  for (const s of [canary, publicServer, rebindCanary, redirector, redirectTarget] as (Canary | undefined)[]) await s?.close();
  await (ctx as TestContext | undefined)?.close();
});

const send = (endpoint: string) =>
  as(ctx, bob.name, bob.password).post("/api/v0/webhooks/test").send({ type: "TAG_PUSH", endpoint, skipTLSVerification: true });

async function storedRows(): Promise<number> {
  const db = ctx.deps.services.db;
  return (await db.webhook.count()) + (await db.delivery.count()) + (await db.event.count());
}

describe("POST /api/v0/webhooks/test with loopback not allowed", () => {
  const p = () => canary.port;
  const cases: [string, () => string][] = [
    ["127.0.0.1", () => `http://127.0.0.1:${p()}/v4`],
    ["::1", () => `http://[::1]:${p()}/v6`],
    ["0.0.0.0", () => `http://0.0.0.0:${p()}/unspecified`],
    ["an IPv4-mapped loopback", () => `http://[::ffff:127.0.0.1]:${p()}/mapped`],
    ["169.254.169.254", () => "http://169.254.169.254/latest/meta-data/"],
    ["a name resolving to loopback", () => `http://loopback.test:${p()}/named`],
    ["a name resolving to the metadata address", () => "http://metadata.test/latest/meta-data/"],
  ];

  it.each(cases)("refuses %s with 400 INVALID_WEBHOOK, sending nothing and storing nothing", async (_label, endpoint) => {
    const rows = await storedRows();
    const res = await send(endpoint()).expect(400);
    expect(res.body).toEqual({
      errors: [{ code: "INVALID_WEBHOOK", message: expect.stringContaining("refused by the outbound address policy"), detail: { field: "endpoint", rule: expect.any(String) } }],
    });
    expect(canary.hits).toEqual([]);
    expect(await storedRows()).toBe(rows);
  });

  it("connects a rebinding name to the address its send's lookup answered, and refuses it when that turns loopback after screening", async () => {
    const url = `http://rebind.test:${publicServer.port}/rebind`;
    const first = await send(url).expect(200);
    expect(first.body).toMatchObject({ ok: true, statusCode: 200 });
    const second = await send(url).expect(400);
    expect(second.body.errors[0]).toMatchObject({ code: "INVALID_WEBHOOK", detail: { field: "endpoint" } });
    expect(second.body.errors[0].message).toContain("127.0.0.1");
    expect(lookups.filter((l) => l.hostname === "rebind.test").map((l) => l.answer)).toEqual(["127.0.0.2", "127.0.0.2", "127.0.0.2", "127.0.0.1"]);
    expect(publicServer.hits).toEqual(["/rebind"]);
    expect(rebindCanary.hits).toEqual([]);
  });

  it("reports a 302 to an allowed address as a redirect and does not follow it", async () => {
    const res = await send(`http://127.0.0.2:${redirector.port}/moved`).expect(200);
    expect(res.body).toMatchObject({ ok: false, statusCode: 302, errorKind: "redirect" });
    expect(res.body.error).toContain(`redirect to http://127.0.0.2:${redirectTarget.port}/target not followed`);
    expect(redirector.hits).toEqual(["/moved"]);
    expect(redirectTarget.hits).toEqual([]);
  });
});
