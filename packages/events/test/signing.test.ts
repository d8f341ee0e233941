// Signing must interoperate with the public `standardwebhooks` verifier, unchanged, including during rotation.
import { Webhook } from "standardwebhooks";
import { generateSecret, secretKey, signatureHeaders, verifySignature } from "../src/signing.js";

const body = JSON.stringify({ type: "TAG_PUSH", contents: { namespace: "ns", repository: "repo", tag: "1.0" } });
const now = () => Math.floor(Date.now() / 1000);

describe("generateSecret", () => {
  it("is whsec_ + base64 of 32 random bytes, different each time", () => {
    const a = generateSecret();
    const b = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secretKey(a)).toHaveLength(32);
    expect(a).not.toBe(b);
  });
});

describe("signatureHeaders", () => {
  it("is accepted by standardwebhooks for a single secret", () => {
    const secret = generateSecret();
    const headers = signatureHeaders({ msgId: "msg_1", timestamp: now(), body, secrets: [secret] });
    expect(headers["webhook-id"]).toBe("msg_1");
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it("signs with every secret during rotation, each verifiable on its own", () => {
    const fresh = generateSecret();
    const old = generateSecret();
    const headers = signatureHeaders({ msgId: "msg_rot", timestamp: now(), body, secrets: [fresh, old] });
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(() => new Webhook(fresh).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(old).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(generateSecret()).verify(body, { ...headers })).toThrow(/No matching signature/);
  });

  it("is rejected for a tampered body, id or timestamp", () => {
    const secret = generateSecret();
    const ts = now();
    const headers = signatureHeaders({ msgId: "msg_2", timestamp: ts, body, secrets: [secret] });
    const wh = new Webhook(secret);
    expect(() => wh.verify(body.replace("1.0", "6.6"), { ...headers })).toThrow(/No matching signature/);
    expect(() => wh.verify(body, { ...headers, "webhook-id": "msg_3" })).toThrow(/No matching signature/);
    expect(() => wh.verify(body, { ...headers, "webhook-timestamp": String(ts - 1) })).toThrow(
      /No matching signature/,
    );
  });

  it("matches a known vector (key bytes decoded from the base64 after whsec_)", () => {
    // Computed independently with openssl: HMAC-SHA256(key = 32 bytes of 0x01, "msg_v.1700000000.{}")
    const secret = "whsec_" + Buffer.alloc(32, 1).toString("base64");
    const headers = signatureHeaders({ msgId: "msg_v", timestamp: 1_700_000_000, body: "{}", secrets: [secret] });
    expect(headers).toEqual({
      "webhook-id": "msg_v",
      "webhook-timestamp": "1700000000",
      "webhook-signature": "v1,1PblMlNFHxQgL9TxJx5Ac95GqCwvTBRJLN48vuOdYFk=",
    });
  });

  it("refuses inputs that would produce unverifiable signatures", () => {
    const secret = generateSecret();
    expect(() => signatureHeaders({ msgId: "m", timestamp: now(), body, secrets: [] })).toThrow(/at least one/);
    expect(() => signatureHeaders({ msgId: "m", timestamp: 1.5, body, secrets: [secret] })).toThrow(/timestamp/);
    expect(() => signatureHeaders({ msgId: "a.b", timestamp: now(), body, secrets: [secret] })).toThrow(/msgId/);
    expect(() => signatureHeaders({ msgId: "", timestamp: now(), body, secrets: [secret] })).toThrow(/msgId/);
    expect(() => signatureHeaders({ msgId: "m", timestamp: now(), body, secrets: ["whsec_not base64!"] })).toThrow(
      /base64/,
    );
    expect(() => signatureHeaders({ msgId: "m", timestamp: now(), body, secrets: ["whsec_"] })).toThrow(/base64/);
  });
});

describe("verifySignature", () => {
  it("accepts our own signature and rejects tampering, wrong secrets and stale timestamps", () => {
    const secret = generateSecret();
    const ts = now();
    const headers = signatureHeaders({ msgId: "msg_4", timestamp: ts, body, secrets: [generateSecret(), secret] });
    expect(verifySignature({ headers: { ...headers }, body, secret })).toBe(true);
    expect(verifySignature({ headers: { ...headers }, body: body + " ", secret })).toBe(false);
    expect(verifySignature({ headers: { ...headers }, body, secret: generateSecret() })).toBe(false);
    expect(verifySignature({ headers: { ...headers }, body, secret, now: ts + 301 })).toBe(false);
    expect(verifySignature({ headers: { ...headers }, body, secret, now: ts - 301 })).toBe(false);
    expect(verifySignature({ headers: { "webhook-id": "msg_4" }, body, secret })).toBe(false);
  });

  it("reads headers case-insensitively, as a receiver's framework may capitalise them", () => {
    const secret = generateSecret();
    const h = signatureHeaders({ msgId: "msg_5", timestamp: now(), body, secrets: [secret] });
    const headers = {
      "Webhook-Id": h["webhook-id"],
      "Webhook-Timestamp": h["webhook-timestamp"],
      "Webhook-Signature": h["webhook-signature"],
    };
    expect(verifySignature({ headers, body, secret })).toBe(true);
  });
});
