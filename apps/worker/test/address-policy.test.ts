// The outbound address policy end to end in the worker, with loopback NOT allowed (only 127.0.0.2,
// which plays a public server here): endpoints at 127.0.0.1, ::1, 0.0.0.0, an IPv4-mapped loopback,
// 169.254.169.254 and a name resolving to loopback are refused, each attempt recorded as a failure of
// kind `blocked`, and nothing reaches a server listening there. A name whose DNS answer changes
// between lookups (public, then loopback) is looked up once per attempt and connected to exactly the
// checked address, so it never reaches loopback. A 302 to an allowed address is not followed.
import { startCanary, startCanaryPair, type Canary } from "@msr-webhooks/testing/canary";
import { policyDns } from "@msr-webhooks/testing/dns";
import { createHarness, type Harness } from "./support/harness.js";
import { createWebhook, ownerOfFooBar, tagPushContents } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

let h: Harness;
let canary: Canary;
let rebindCanary: Canary;
let publicServer: Canary;
let redirector: Canary;
let redirectTarget: Canary;

/** The test's DNS; rebind.test is public on odd lookups, loopback on even ones, as a rebinding DNS server answers. */
const { lookup: resolver, lookups } = policyDns((n) => (n % 2 === 1 ? "127.0.0.2" : "127.0.0.1"));

beforeAll(async () => {
  // Loopback is not allowed; 127.0.0.2 stands in for an allowed public address.
  h = await createHarness({ OUTBOUND_ALLOW_CIDRS: "127.0.0.2/32", RETRY_SCHEDULE: "100ms,200ms" });
  canary = await startCanary("::");
  // Closing after each answer makes every attempt connect (and look up) anew.
  [publicServer, rebindCanary] = await startCanaryPair("127.0.0.2", "127.0.0.1", (_req, res) =>
    res.writeHead(500, { Connection: "close" }).end("public"),
  );
  redirectTarget = await startCanary("127.0.0.2");
  redirector = await startCanary("127.0.0.2", 0, (_req, res) =>
    res.writeHead(302, { Location: `http://127.0.0.2:${redirectTarget.port}/target` }).end(),
  );
});

afterAll(async () => {
  // Whatever beforeAll got to start, even if it failed halfway: an open server keeps jest from exiting.
  await (h as Harness | undefined)?.close();
  for (const c of [canary, rebindCanary, publicServer, redirector, redirectTarget] as (Canary | undefined)[]) await c?.close();
});

it("refuses loopback, unspecified, link-local and metadata addresses, records them as blocked, follows no redirect", async () => {
  const alice = await ownerOfFooBar(h.db, "alice");
  const p = canary.port;
  const blocked = {
    "127.0.0.1": `http://127.0.0.1:${p}/v4`,
    "::1": `http://[::1]:${p}/v6`,
    "0.0.0.0": `http://0.0.0.0:${p}/unspecified`,
    "IPv4-mapped loopback": `http://[::ffff:127.0.0.1]:${p}/mapped`,
    "169.254.169.254": "http://169.254.169.254/latest/meta-data/",
    "a name resolving to loopback": `http://loopback.test:${p}/named`,
    "a name resolving to the metadata address": "http://metadata.test/latest/meta-data/",
  };
  const hooks = new Map<string, string>();
  for (const [label, endpoint] of Object.entries(blocked)) {
    const w = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint, author: alice });
    hooks.set(label, w.id);
  }
  const rebind = await createWebhook(h.db, {
    type: "TAG_PUSH",
    key: "foo/bar",
    endpoint: `http://rebind.test:${publicServer.port}/rebind`,
    author: alice,
  });
  const redirect = await createWebhook(h.db, {
    type: "TAG_PUSH",
    key: "foo/bar",
    endpoint: `http://127.0.0.2:${redirector.port}/moved`,
    author: alice,
  });

  await h.startWorker({}, { lookup: resolver });
  await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar") });
  const total = hooks.size + 2;
  await waitUntil(async () => (await h.db.delivery.count({ where: { status: "failed" } })) === total, {
    what: "every delivery to fail",
  });

  for (const [label, webhookId] of hooks) {
    const d = await h.db.delivery.findFirstOrThrow({ where: { webhookId }, include: { attempts: { orderBy: { number: "asc" } } } });
    expect({ label, kinds: d.attempts.map((a) => a.errorKind) }).toEqual({ label, kinds: ["blocked", "blocked", "blocked"] });
    for (const a of d.attempts) {
      expect(a.statusCode).toBeNull();
      expect(a.errorMessage).toContain("refused by the outbound address policy");
    }
    expect(d.reason).toMatch(/^gave up after 3 attempts: blocked: /);
  }
  expect(canary.hits).toEqual([]);

  // Rebinding: one lookup per attempt, and each connection went to the address that lookup answered.
  const r = await h.db.delivery.findFirstOrThrow({ where: { webhookId: rebind.id }, include: { attempts: { orderBy: { number: "asc" } } } });
  expect(r.attempts.map((a) => [a.errorKind, a.statusCode])).toEqual([
    ["http", 500],
    ["blocked", null],
    ["http", 500],
  ]);
  expect(lookups.filter((l) => l.hostname === "rebind.test").map((l) => l.answer)).toEqual(["127.0.0.2", "127.0.0.1", "127.0.0.2"]);
  expect(publicServer.hits).toEqual(["/rebind", "/rebind"]);
  expect(rebindCanary.hits).toEqual([]);

  // A redirect to an allowed address is a failure, and is not followed.
  const m = await h.db.delivery.findFirstOrThrow({ where: { webhookId: redirect.id }, include: { attempts: true } });
  expect(m.attempts.map((a) => [a.errorKind, a.statusCode])).toEqual([
    ["redirect", 302],
    ["redirect", 302],
    ["redirect", 302],
  ]);
  expect(m.attempts[0]!.errorMessage).toContain(`redirect to http://127.0.0.2:${redirectTarget.port}/target not followed`);
  expect(redirector.hits).toHaveLength(3);
  expect(redirectTarget.hits).toEqual([]);
});
