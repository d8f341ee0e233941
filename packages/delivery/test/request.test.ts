// buildRequest: the exact body bytes, the fixed headers, and signatures a standard verifier accepts.
import { generateSecret } from "@msr-webhooks/events/signing";
import { Webhook } from "standardwebhooks";
import { buildRequest } from "../src/request.js";

const body = '{"type":"TAG_PUSH","contents":{"namespace":"ns","repository":"repo"}}';

describe("buildRequest", () => {
  it("sends the serialized envelope untouched with JSON, User-Agent and signature headers", () => {
    const secret = generateSecret();
    const req = buildRequest({ deliveryId: "dlv_1", body, secrets: [secret], timestamp: 1_700_000_000, userAgent: "ua/1" });
    expect(req.body).toBe(body);
    expect(req.headers).toEqual({
      "Content-Type": "application/json",
      "User-Agent": "ua/1",
      "webhook-id": "dlv_1",
      "webhook-timestamp": "1700000000",
      "webhook-signature": expect.stringMatching(/^v1,[A-Za-z0-9+/]{43}=$/),
    });
  });

  it("defaults the timestamp to now, and the result verifies with standardwebhooks for both rotated secrets", () => {
    const fresh = generateSecret();
    const old = generateSecret();
    const before = Math.floor(Date.now() / 1000);
    const req = buildRequest({ deliveryId: "dlv_2", body, secrets: [fresh, old], userAgent: "ua/1" });
    const ts = Number(req.headers["webhook-timestamp"]);
    expect(ts).toBeGreaterThanOrEqual(before);
    expect(ts).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(new Webhook(fresh).verify(req.body, req.headers)).toEqual(JSON.parse(body));
    expect(new Webhook(old).verify(req.body, req.headers)).toEqual(JSON.parse(body));
  });

  it("keeps webhook-id stable across retries while signing each one afresh", () => {
    const secret = generateSecret();
    const first = buildRequest({ deliveryId: "dlv_3", body, secrets: [secret], timestamp: 1_700_000_000, userAgent: "u" });
    const retry = buildRequest({ deliveryId: "dlv_3", body, secrets: [secret], timestamp: 1_700_000_300, userAgent: "u" });
    expect(retry.headers["webhook-id"]).toBe(first.headers["webhook-id"]);
    expect(retry.headers["webhook-signature"]).not.toBe(first.headers["webhook-signature"]);
  });

  it("refuses to build an unsigned request", () => {
    expect(() => buildRequest({ deliveryId: "dlv_4", body, secrets: [], userAgent: "u" })).toThrow(/secret/);
  });
});
