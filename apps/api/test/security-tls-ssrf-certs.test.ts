// Fault test: tlsCert cannot grow the API's memory. 1,000 POST /webhooks/test calls by an ordinary
// user, each with a certificate never sent before (plus the receiver's CA, so every handshake succeeds
// and its connection could be kept), leave no TLS context behind: with the API's defaults each call
// builds its own and frees it when it ends, so at most the calls in flight hold one. The figures counted
// are the delivery client's (contexts kept, and built but not yet freed), never the process's memory;
// the API's RSS over such a run is measured by bench/src/tls-memory.ts. tlsCert is also capped in size.
import { X509Certificate } from "node:crypto";
import type { TlsContextCounts } from "@msr-webhooks/delivery/http-client";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { generateCertificateAuthority, getTestPki } from "@msr-webhooks/testing/tls";
import { ADMIN, as, createTestContext, type TestContext } from "./support/test-context.js";
import { createUser, type UserFixture } from "./support/fixtures.js";

const CALLS = 1000;
const PARALLEL = 8;

const pki = getTestPki();
let ctx: TestContext;
let bob: UserFixture;
let receiver: Receiver;

/**
 * `count` distinct certificates, cheaply: one CA's DER with the last bytes of its serial number replaced.
 * Their signatures no longer verify, which nothing here needs: a trusted certificate is only parsed, and
 * each is a TLS context of its own to the client (its own DER, so its own fingerprint).
 */
function distinctCertificates(count: number): string[] {
  const pem = generateCertificateAuthority("distinct CA").caCert;
  const der = new X509Certificate(pem).raw;
  const serial = Buffer.from(new X509Certificate(pem).serialNumber, "hex");
  const at = der.indexOf(serial) + serial.length - 4;
  return Array.from({ length: count }, (_, i) => {
    const copy = Buffer.from(der);
    copy.writeUInt32BE(i, at);
    const body = copy.toString("base64").replace(/.{64}/g, "$&\n");
    return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
  });
}

beforeAll(async () => {
  ctx = await createTestContext({ WEBHOOK_TEST_RATE_LIMIT: "0" });
  bob = await createUser(ctx, "bob");
  receiver = await startReceiver({ tls: { cert: pki.cert, key: pki.key } });
});

afterAll(async () => {
  await receiver.close();
  await ctx.close();
});

const testSend = (tlsCert: string) =>
  as(ctx, bob.name, bob.password).post("/api/v0/webhooks/test").send({ type: "TAG_PUSH", endpoint: receiver.url, tlsCert });

const contexts = (): TlsContextCounts => ctx.deps.deliveryClient.tlsContexts();

async function settled(): Promise<TlsContextCounts> {
  // A context is freed once its connection has closed, a moment after the call's answer.
  for (let i = 0; i < 100 && contexts().open > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  return contexts();
}

describe("POST /webhooks/test with 1,000 distinct certificates", () => {
  it("keeps no TLS context: each call's own is freed when it ends", async () => {
    const certs = distinctCertificates(CALLS);
    expect(new Set(certs.map((pem) => new X509Certificate(pem).fingerprint256)).size).toBe(CALLS);
    const created = contexts().created;
    let most = 0;
    let ok = 0;
    for (let start = 0; start < CALLS; start += PARALLEL) {
      const batch = certs.slice(start, start + PARALLEL);
      const answers = await Promise.all(batch.map((cert) => testSend(cert + pki.caCert).expect(200)));
      ok += answers.filter((res) => (res.body as { ok: boolean }).ok).length;
      most = Math.max(most, contexts().open);
    }
    // Every call reached the receiver over TLS (its CA was trusted), each through a context of its own...
    expect(ok).toBe(CALLS);
    expect(contexts().created - created).toBe(CALLS);
    // ...of which no more were ever unfreed than the calls of one batch, and none is once they are over.
    expect(most).toBeLessThanOrEqual(PARALLEL);
    expect(await settled()).toMatchObject({ cached: 0, open: 0 });
  });

  it("still refuses an endpoint whose certificate the tlsCert does not vouch for, and frees that context too", async () => {
    const [unrelated] = distinctCertificates(1);
    const res = await as(ctx, ADMIN.username, ADMIN.password).post("/api/v0/webhooks/test").send({ type: "TAG_PUSH", endpoint: receiver.url, tlsCert: unrelated }).expect(200);
    expect(res.body).toMatchObject({ ok: false, errorKind: "tls" });
    expect(await settled()).toMatchObject({ cached: 0, open: 0 });
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
