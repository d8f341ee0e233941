// Endpoints the outbound address policy always refuses are refused when they are subscribed (POST
// /webhooks) and tested (POST /webhooks/test), with 400 INVALID_WEBHOOK naming the field and the rule,
// instead of being accepted and failing at every delivery: literal addresses, and names whose lookup
// answers such an address. The lookup is bounded (WEBHOOK_ENDPOINT_DNS_TIMEOUT_MS) and a name that does
// not resolve in time, or at all, is accepted (its deliveries are checked again). No traffic is sent.
import http from "node:http";
import { networkInterfaces } from "node:os";
import type { AddressInfo } from "node:net";
import { fakeDns } from "@msr-webhooks/testing/dns";
import { ADMIN, as, createTestContext, type TestContext } from "./support/test-context.js";

const RECORDS: Record<string, string[]> = {
  "loopback.test": ["127.0.0.1"],
  "metadata.test": ["169.254.169.254"],
  "mixed.test": ["203.0.113.10", "127.0.0.1"],
  "nat64.test": ["64:ff9b::7f00:1"],
  "public.test": ["203.0.113.10"],
  "private.test": ["10.20.30.40"],
};

/** Test DNS: the records above, a name that never answers, the system's localhost, and NXDOMAIN for the rest. */
const { lookup } = fakeDns(RECORDS, { hang: ["hang.test"], passthrough: ["localhost"] });

const ownAddress = Object.values(networkInterfaces())
  .flatMap((list) => list ?? [])
  .find((entry) => !entry.internal && entry.family === "IPv4")?.address;

async function rowCount(ctx: TestContext): Promise<number> {
  return ctx.deps.services.db.webhook.count();
}

describe("subscribe-time refusal with the default policy (loopback not allowed)", () => {
  let ctx: TestContext;
  let canary: http.Server;
  let canaryHits = 0;
  const admin = () => as(ctx, ADMIN.username, ADMIN.password);

  beforeAll(async () => {
    ctx = await createTestContext({ OUTBOUND_ALLOW_CIDRS: "", WEBHOOK_ENDPOINT_DNS_TIMEOUT_MS: "300" }, { lookup });
    canary = http.createServer((_req, res) => {
      canaryHits += 1;
      res.end();
    });
    await new Promise<void>((resolve) => canary.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => canary.close(() => resolve()));
    await ctx.close();
  });

  const refused: [string, string][] = [
    ["https://127.0.0.1/hook", "loopback"],
    ["https://127.1.2.3:8443/hook", "loopback"],
    ["https://[::1]/hook", "loopback"],
    ["https://0.0.0.0/hook", "unspecified"],
    ["https://169.254.169.254/latest/meta-data/", "link-local"],
    ["https://[fd00:ec2::254]/latest/meta-data/", "cloud-metadata"],
    ["https://[::ffff:127.0.0.1]/hook", "loopback"],
    ["https://[::127.0.0.1]/hook", "loopback"],
    ["https://[64:ff9b::a9fe:a9fe]/hook", "link-local"],
    ["https://[2002:7f00:1::]/hook", "loopback"],
    ["https://224.0.0.1/hook", "multicast"],
    ["https://2130706433/hook", "loopback"],
    ["https://localhost/hook", "loopback"],
    ["https://loopback.test/hook", "loopback"],
    ["https://metadata.test/hook", "link-local"],
    ["https://mixed.test/hook", "loopback"],
    ["https://nat64.test/hook", "loopback"],
  ];

  it.each(refused)("POST /webhooks refuses %s with 400 INVALID_WEBHOOK (rule %s), storing nothing", async (endpoint, rule) => {
    const before = await rowCount(ctx);
    const res = await admin().post("/api/v0/webhooks").send({ type: "TAG_PUSH", endpoint }).expect(400);
    expect(res.body).toEqual({
      errors: [{ code: "INVALID_WEBHOOK", message: expect.stringContaining("refused by the outbound address policy"), detail: { field: "endpoint", rule } }],
    });
    expect(res.body.errors[0].message).toContain(rule);
    expect(await rowCount(ctx)).toBe(before);
  });

  it("does not repeat the address a name resolved to", async () => {
    const res = await admin().post("/api/v0/webhooks").send({ type: "TAG_PUSH", endpoint: "https://metadata.test/x" }).expect(400);
    expect(res.body.errors[0].message).not.toContain("169.254.169.254");
  });

  it("refuses the host's own interface address", async () => {
    if (!ownAddress) return;
    const res = await admin().post("/api/v0/webhooks").send({ type: "TAG_PUSH", endpoint: `https://${ownAddress}/hook` }).expect(400);
    expect(res.body.errors[0]).toMatchObject({ code: "INVALID_WEBHOOK", detail: { field: "endpoint", rule: "own-address" } });
  });

  it.each([
    ["a public address", "https://203.0.113.10/hook"],
    ["a private address (allowed by default)", "https://10.1.2.3/hook"],
    ["a name resolving to public addresses", "https://public.test/hook"],
    ["a name that does not resolve", "https://nowhere.test/hook"],
    ["a name whose lookup does not answer in time", "https://hang.test/hook"],
  ])("accepts %s", async (_what, endpoint) => {
    await admin().post("/api/v0/webhooks").send({ type: "TAG_PUSH", endpoint }).expect(201);
  });

  it("POST /webhooks/test refuses the same endpoints at once with the rule, sending nothing", async () => {
    const port = (canary.address() as AddressInfo).port;
    for (const [endpoint, rule] of [
      [`http://127.0.0.1:${port}/hook`, "loopback"],
      [`http://loopback.test:${port}/hook`, "loopback"],
      [`http://[::ffff:7f00:1]:${port}/hook`, "loopback"],
    ] as const) {
      const res = await admin().post("/api/v0/webhooks/test").send({ type: "TAG_PUSH", endpoint, skipTLSVerification: true }).expect(400);
      expect(res.body.errors[0]).toMatchObject({ code: "INVALID_WEBHOOK", detail: { field: "endpoint", rule } });
    }
    expect(canaryHits).toBe(0);
  });
});

describe("subscribe-time refusal with OUTBOUND_REFUSE_PRIVATE=true", () => {
  let ctx: TestContext;
  const admin = () => as(ctx, ADMIN.username, ADMIN.password);

  beforeAll(async () => {
    ctx = await createTestContext({ OUTBOUND_ALLOW_CIDRS: "10.5.0.0/16", OUTBOUND_REFUSE_PRIVATE: "true" }, { lookup });
  });
  afterAll(async () => {
    await ctx.close();
  });

  it.each([
    ["https://10.1.2.3/hook", "private"],
    ["https://192.168.0.10/hook", "private"],
    ["https://[fd12:3456::1]/hook", "private"],
    ["https://private.test/hook", "private"],
  ])("refuses %s (rule %s)", async (endpoint, rule) => {
    const res = await admin().post("/api/v0/webhooks").send({ type: "TAG_PUSH", endpoint }).expect(400);
    expect(res.body.errors[0]).toMatchObject({ code: "INVALID_WEBHOOK", detail: { field: "endpoint", rule } });
  });

  it("accepts a private subnet the allow list names, and public addresses", async () => {
    await admin().post("/api/v0/webhooks").send({ type: "TAG_PUSH", endpoint: "https://10.5.1.1/hook" }).expect(201);
    await admin().post("/api/v0/webhooks").send({ type: "TAG_PUSH", endpoint: "https://public.test/hook" }).expect(201);
  });
});
