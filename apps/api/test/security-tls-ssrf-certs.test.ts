// Fault test: tlsCert cannot grow the API's memory without bound. 1,000 POST /webhooks/test calls by an
// ordinary user, each with a tlsCert string never sent before (one certificate in many layouts, and
// many distinct certificates beyond the cache bound), leave at most TLS_AGENT_CACHE_SIZE TLS contexts
// held; the figure counted is the pool's, never the process's memory. tlsCert is also capped in size.
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { generateCertificateAuthority, getTestPki, type CertificateAuthority } from "@msr-webhooks/testing/tls";
import { ADMIN, as, createTestContext, type TestContext } from "./support/test-context.js";
import { createUser, type UserFixture } from "./support/fixtures.js";

const BOUND = 8;
const CALLS = 1000;
/** Every DISTINCT_EVERY-th call brings a certificate of its own; the others a new layout of the receiver's CA. */
const DISTINCT_EVERY = 20;
const PARALLEL = 8;

const pki = getTestPki();
let ctx: TestContext;
let bob: UserFixture;
let receiver: Receiver;
let distinct: CertificateAuthority[];

/** The same PEM with different line endings, leading blank lines and trailing whitespace. */
function layoutVariant(pem: string, i: number): string {
  const lines = pem.trim().split(/\r?\n/);
  const eol = i % 2 === 0 ? "\n" : "\r\n";
  const lead = eol.repeat(Math.floor(i / 2) % 4);
  const trail = " ".repeat(Math.floor(i / 8) % 30) + "\n".repeat(Math.floor(i / 240));
  return lead + lines.join(eol) + trail;
}

beforeAll(async () => {
  ctx = await createTestContext({ TLS_AGENT_CACHE_SIZE: String(BOUND), WEBHOOK_TEST_RATE_LIMIT: "0" });
  bob = await createUser(ctx, "bob");
  receiver = await startReceiver({ tls: { cert: pki.cert, key: pki.key } });
  distinct = Array.from({ length: CALLS / DISTINCT_EVERY }, (_, i) => generateCertificateAuthority(`distinct CA ${i}`));
});

afterAll(async () => {
  await receiver.close();
  await ctx.close();
});

const testSend = (tlsCert: string) =>
  as(ctx, bob.name, bob.password).post("/api/v0/webhooks/test").send({ type: "TAG_PUSH", endpoint: receiver.url, tlsCert });

describe("POST /webhooks/test with 1,000 distinct tlsCert strings", () => {
  it("holds at most TLS_AGENT_CACHE_SIZE TLS contexts, one per parsed certificate set", async () => {
    const certs = Array.from({ length: CALLS }, (_, i) =>
      i % DISTINCT_EVERY === DISTINCT_EVERY - 1 ? distinct[Math.floor(i / DISTINCT_EVERY)]!.caCert : layoutVariant(pki.caCert, i),
    );
    expect(new Set(certs).size).toBe(CALLS);
    let most = 0;
    const outcomes: boolean[] = [];
    for (let start = 0; start < CALLS; start += PARALLEL) {
      const batch = certs.slice(start, start + PARALLEL);
      const answers = await Promise.all(batch.map((tlsCert) => testSend(tlsCert).expect(200)));
      outcomes.push(...answers.map((res) => (res.body as { ok: boolean }).ok));
      most = Math.max(most, ctx.deps.deliveryClient.tlsContextCount());
    }
    expect(most).toBeLessThanOrEqual(BOUND);
    expect(ctx.deps.deliveryClient.tlsContextCount()).toBeLessThanOrEqual(BOUND);
    // Every layout of the receiver's CA was trusted; no unrelated CA was.
    expect(outcomes.filter((ok, i) => ok !== (i % DISTINCT_EVERY !== DISTINCT_EVERY - 1))).toEqual([]);
    expect(receiver.requests).toHaveLength(CALLS - CALLS / DISTINCT_EVERY);
  });

  it("keys layouts of one certificate to one context", async () => {
    const before = ctx.deps.deliveryClient.tlsContextCount();
    const one = generateCertificateAuthority("layout CA");
    for (let i = 0; i < 40; i++) await testSend(layoutVariant(one.caCert, i)).expect(200);
    expect(ctx.deps.deliveryClient.tlsContextCount()).toBe(Math.min(BOUND, before + 1));
  });
});

describe("tlsCert size limit (WEBHOOK_TLS_CERT_MAX_BYTES, default 64 KiB)", () => {
  // A real certificate padded past the limit: valid PEM, refused for its size alone.
  const padded = pki.caCert + "\n".repeat(64 * 1024);

  it("refuses a larger tlsCert on create, update and test with 400 INVALID_WEBHOOK naming tlsCert", async () => {
    const admin = () => as(ctx, ADMIN.username, ADMIN.password);
    const create = await admin().post("/api/v0/webhooks").send({ type: "TAG_PUSH", endpoint: "https://203.0.113.9/hook", tlsCert: padded }).expect(400);
    expect(create.body.errors[0]).toMatchObject({ code: "INVALID_WEBHOOK", detail: { field: "tlsCert" } });
    expect(create.body.errors[0].message).toContain("65536");

    const hook = await admin().post("/api/v0/webhooks").send({ type: "TAG_PUSH", endpoint: "https://203.0.113.9/hook", tlsCert: pki.caCert }).expect(201);
    const update = await admin().post("/api/v0/webhooks/update").send({ id: hook.body.id, tlsCert: padded }).expect(400);
    expect(update.body.errors[0]).toMatchObject({ code: "INVALID_WEBHOOK", detail: { field: "tlsCert" } });

    const requests = receiver.requests.length;
    const test = await testSend(padded).expect(400);
    expect(test.body.errors[0]).toMatchObject({ code: "INVALID_WEBHOOK", detail: { field: "tlsCert" } });
    expect(receiver.requests).toHaveLength(requests);
  });

  it("refuses garbage and private keys as tlsCert with 400 INVALID_WEBHOOK naming tlsCert", async () => {
    for (const tlsCert of ["not a certificate", "-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----", pki.key]) {
      const res = await testSend(tlsCert).expect(400);
      expect(res.body.errors[0]).toMatchObject({ code: "INVALID_WEBHOOK", detail: { field: "tlsCert" } });
    }
  });
});
