// HTTPS delivery: the endpoint's tlsCert, skipTLSVerification, and certificate failures reported as `tls`.
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import {
  generateCertificateAuthority,
  getSelfSignedCert,
  getTestPki,
  issueLeafCertificate,
  type KeyAndCert,
} from "@msr-webhooks/testing/tls";
import { classifyOutcome } from "../src/classify.js";
import { createDeliveryClient, type DeliveryClient } from "../src/http-client.js";

const plain = { body: "{}", headers: { "Content-Type": "application/json" } };
const pki = getTestPki();

let client: DeliveryClient;
const receivers: Receiver[] = [];
async function httpsReceiver(tls: KeyAndCert): Promise<Receiver> {
  const r = await startReceiver({ tls });
  receivers.push(r);
  return r;
}
beforeEach(() => {
  client = createDeliveryClient({ userAgent: "tls-test/1" });
});
afterEach(async () => {
  client.close();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

describe("HTTPS delivery", () => {
  it("reaches an endpoint whose CA is given as tlsCert", async () => {
    const r = await httpsReceiver(pki);
    const result = await client.send({ url: `${r.url}/secure`, tlsCert: pki.caCert }, plain);
    expect(result).toMatchObject({ ok: true, statusCode: 200, errorKind: null });
    expect((await r.waitFor(1))[0]!.path).toBe("/secure");
  });

  it("fails with tls when the endpoint's CA is not trusted", async () => {
    const r = await httpsReceiver(pki);
    const result = await client.send({ url: r.url }, plain);
    expect(result).toMatchObject({ ok: false, statusCode: null, errorKind: "tls" });
    expect(result.errorMessage).toContain("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    expect(classifyOutcome(result).action).toBe("retry");
    expect(r.requests).toHaveLength(0);
  });

  it("reaches the endpoint with skipTLSVerification and no tlsCert", async () => {
    const r = await httpsReceiver(pki);
    const result = await client.send({ url: r.url, skipTLSVerification: true }, plain);
    expect(result.ok).toBe(true);
    expect(r.requests).toHaveLength(1);
  });

  it("applies a tlsCert to its own endpoint only", async () => {
    const r = await httpsReceiver(pki);
    expect((await client.send({ url: r.url, tlsCert: pki.caCert }, plain)).ok).toBe(true);
    expect((await client.send({ url: r.url, skipTLSVerification: true }, plain)).ok).toBe(true);
    // Same host, but this target did not bring the CA: the pooled trusted connection must not leak to it.
    const untrusted = await client.send({ url: r.url }, plain);
    expect(untrusted.errorKind).toBe("tls");
    const otherCa = generateCertificateAuthority("unrelated CA");
    expect((await client.send({ url: r.url, tlsCert: otherCa.caCert }, plain)).errorKind).toBe("tls");
    expect(r.requests).toHaveLength(2);
  });

  it("trusts a self-signed endpoint certificate given as tlsCert, and refuses it otherwise", async () => {
    const self = getSelfSignedCert();
    const r = await httpsReceiver(self);
    expect((await client.send({ url: r.url, tlsCert: self.cert }, plain)).ok).toBe(true);
    const refused = await client.send({ url: r.url }, plain);
    expect(refused.errorKind).toBe("tls");
    expect(refused.errorMessage).toContain("DEPTH_ZERO_SELF_SIGNED_CERT");
  });

  it("fails with tls for an expired certificate even when its CA is trusted", async () => {
    const expired = issueLeafCertificate(pki, {
      notBefore: new Date(Date.now() - 10 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    const r = await httpsReceiver(expired);
    const result = await client.send({ url: r.url, tlsCert: pki.caCert }, plain);
    expect(result.errorKind).toBe("tls");
    expect(result.errorMessage).toContain("CERT_HAS_EXPIRED");
  });

  it("fails with tls for a certificate naming another host", async () => {
    const r = await httpsReceiver(issueLeafCertificate(pki, { hosts: ["elsewhere.test"] }));
    const result = await client.send({ url: r.url, tlsCert: pki.caCert }, plain);
    expect(result.errorKind).toBe("tls");
    expect(result.errorMessage).toContain("ERR_TLS_CERT_ALTNAME_INVALID");
  });

  it("fails with tls when https meets a plain HTTP port", async () => {
    const r = await startReceiver();
    receivers.push(r);
    const result = await client.send({ url: `https://127.0.0.1:${r.port}/` }, plain);
    expect(result).toMatchObject({ ok: false, statusCode: null, errorKind: "tls" });
    expect(r.requests).toHaveLength(0);
  });

  it("fails with tls when the stored tlsCert is not a certificate", async () => {
    const r = await httpsReceiver(pki);
    const result = await client.send({ url: r.url, tlsCert: "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----" }, plain);
    expect(result).toMatchObject({ ok: false, statusCode: null, errorKind: "tls" });
    expect(r.requests).toHaveLength(0);
  });

  it("keeps HTTPS connections alive across sends", async () => {
    const r = await httpsReceiver(pki);
    const target = { url: r.url, tlsCert: pki.caCert };
    expect((await client.send(target, plain)).ok).toBe(true);
    expect((await client.send(target, plain)).ok).toBe(true);
    expect((await r.waitFor(2)).map((req) => req.connectionId)).toEqual([1, 1]);
    expect(r.connectionCount()).toBe(1);
  });
});
