// The delivery client against real loopback receivers: outcomes, limits, keep-alive and the address policy.
import type { LookupFunction } from "node:net";
import { generateSecret } from "@msr-webhooks/events/signing";
import { startReceiver } from "@msr-webhooks/testing/receiver";
import { Webhook } from "standardwebhooks";
import { createAddressPolicy } from "../src/address-policy.js";
import { classifyOutcome } from "../src/classify.js";
import { buildRequest } from "../src/request.js";
import { tracked } from "./support/tracked.js";

const UA = "msr-webhooks-test/0.0.0";
const envelope = JSON.stringify({ type: "TAG_PUSH", contents: { namespace: "ns", repository: "repo", tag: "v1" } });
const plain = { body: envelope, headers: { "Content-Type": "application/json" } };

const { receiver, client } = tracked(UA);

/** A port that was listening a moment ago and is closed now. */
async function closedPort(): Promise<number> {
  const r = await startReceiver();
  await r.close();
  return r.port;
}

/** Resolves every hostname to the given address, as a DNS server under an attacker's control might. */
function pointAt(address: string, family = 4): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as LookupFunction;
}

describe("createDeliveryClient().send", () => {
  it("records a 2xx as success with status, selected headers and body", async () => {
    const r = await receiver({
      handler: () => ({
        status: 202,
        headers: { "content-type": "text/plain", server: "test-receiver", "x-private": "not kept" },
        body: "accepted",
      }),
    });
    const result = await client().send({ url: `${r.url}/hooks/msr` }, plain);
    expect(result).toMatchObject({
      ok: true,
      statusCode: 202,
      responseBody: "accepted",
      errorKind: null,
      errorMessage: null,
      retryAfterMs: null,
    });
    expect(result.responseHeaders).toEqual({
      "content-type": "text/plain",
      server: "test-receiver",
      "content-length": "8",
      date: expect.any(String),
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(classifyOutcome(result)).toEqual({ action: "success" });
    const [req] = await r.waitFor(1);
    expect(req).toMatchObject({ method: "POST", path: "/hooks/msr", body: envelope });
    expect(req!.headers["content-type"]).toBe("application/json");
    expect(req!.headers["user-agent"]).toBe(UA);
    expect(req!.headers["content-length"]).toBe(String(Buffer.byteLength(envelope)));
  });

  it("delivers signature headers that standardwebhooks verifies on the receiving side", async () => {
    const fresh = generateSecret();
    const old = generateSecret();
    const r = await receiver();
    const request = buildRequest({ deliveryId: "dlv_abc", body: envelope, secrets: [fresh, old], userAgent: "msr/9" });
    expect((await client().send({ url: r.url }, request)).ok).toBe(true);
    const [req] = await r.waitFor(1);
    const headers = req!.headers as Record<string, string>;
    expect(headers["webhook-id"]).toBe("dlv_abc");
    expect(headers["user-agent"]).toBe("msr/9");
    expect(new Webhook(fresh).verify(req!.body, headers)).toEqual(JSON.parse(envelope));
    expect(new Webhook(old).verify(req!.body, headers)).toEqual(JSON.parse(envelope));
    expect(() => new Webhook(generateSecret()).verify(req!.body, headers)).toThrow();
  });

  it("records a 500 as an http failure to retry", async () => {
    const r = await receiver({ handler: () => ({ status: 500, body: "database down" }) });
    const result = await client().send({ url: r.url }, plain);
    expect(result).toMatchObject({
      ok: false,
      statusCode: 500,
      responseBody: "database down",
      errorKind: "http",
      errorMessage: "HTTP 500",
    });
    expect(classifyOutcome(result)).toEqual({ action: "retry", retryAfterMs: null });
  });

  it("records a 410 so the subscription gets disabled", async () => {
    const r = await receiver({ handler: () => ({ status: 410 }) });
    const result = await client().send({ url: r.url }, plain);
    expect(result).toMatchObject({ ok: false, statusCode: 410, errorKind: "http" });
    expect(classifyOutcome(result)).toEqual({ action: "disable", reason: "endpoint answered 410 Gone" });
  });

  it("reads Retry-After on 429 (seconds) and 503 (HTTP date)", async () => {
    const at = new Date(Date.now() + 120_000).toUTCString();
    const r = await receiver({
      handler: (_req, n) => ({ status: n === 1 ? 429 : 503, headers: { "retry-after": n === 1 ? "30" : at } }),
    });
    const c = client();
    const limited = await c.send({ url: r.url }, plain);
    expect(limited).toMatchObject({ statusCode: 429, retryAfterMs: 30_000, responseHeaders: { "retry-after": "30" } });
    expect(classifyOutcome(limited)).toEqual({ action: "retry", retryAfterMs: 30_000 });
    const unavailable = await c.send({ url: r.url }, plain);
    expect(unavailable.statusCode).toBe(503);
    expect(unavailable.retryAfterMs).toBeGreaterThan(100_000);
    expect(unavailable.retryAfterMs).toBeLessThanOrEqual(120_000);
  });

  it("does not follow a redirect: the target is never hit and the attempt fails", async () => {
    const target = await receiver();
    const r = await receiver({ handler: () => ({ status: 302, headers: { location: `${target.url}/elsewhere` } }) });
    const result = await client().send({ url: r.url }, plain);
    expect(result).toMatchObject({
      ok: false,
      statusCode: 302,
      errorKind: "redirect",
      errorMessage: `HTTP 302: redirect to ${target.url}/elsewhere not followed`,
      responseHeaders: { location: `${target.url}/elsewhere` },
    });
    expect(classifyOutcome(result).action).toBe("retry");
    // The attempt is over once send has resolved: a followed redirect would have reached the target by then.
    expect(target.requests).toHaveLength(0);
  });

  it("reports a closed port as connection_refused", async () => {
    const port = await closedPort();
    const result = await client().send({ url: `http://127.0.0.1:${port}/` }, plain);
    expect(result).toMatchObject({ ok: false, statusCode: null, errorKind: "connection_refused" });
    expect(result.errorMessage).toContain("ECONNREFUSED");
  });

  it("reports a reply slower than the total timeout as a timeout", async () => {
    // It would answer 200 after ten minutes: only the 300 ms timeout can end the attempt as a timeout.
    const r = await receiver({ handler: () => ({ status: 200, delayMs: 600_000 }) });
    const result = await client({ totalTimeoutMs: 300 }).send({ url: r.url }, plain);
    expect(result).toMatchObject({ ok: false, statusCode: null, errorKind: "timeout" });
    expect(result.errorMessage).toContain("300");
    // The attempt's recorded duration covers the wait (it cannot end before its timeout).
    expect(result.durationMs).toBeGreaterThanOrEqual(250);
  });

  it("reports a body trickling past the total timeout as a timeout, even after a 200", async () => {
    // The first byte at once, the rest only once the test has the result: the timeout is what
    // ends the attempt. It is long enough for the status and first byte to come first on a
    // loaded machine.
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    async function* trickle() {
      yield "x";
      await finished;
      yield "the rest";
    }
    const r = await receiver({ handler: () => ({ status: 200, body: trickle() }) });
    try {
      const result = await client({ totalTimeoutMs: 2000 }).send({ url: r.url }, plain);
      expect(result).toMatchObject({ ok: false, statusCode: 200, errorKind: "timeout", responseBody: "x" });
      expect(classifyOutcome(result).action).toBe("retry");
    } finally {
      finish();
    }
  });

  it("keeps only the first 16 KiB of a 10 MB body and stops reading there", async () => {
    const chunk = Buffer.alloc(64 * 1024, "a");
    const CHUNKS = 160;
    let sent = 0;
    // Settles when the receiver stops producing the body: with the number of chunks it produced.
    let stopped: (chunks: number) => void = () => undefined;
    const producerStopped = new Promise<number>((resolve) => (stopped = resolve));
    async function* tenMegabytes() {
      try {
        for (; sent < CHUNKS; sent += 1) yield chunk;
      } finally {
        stopped(sent);
      }
    }
    const r = await receiver({ handler: () => ({ status: 200, body: tenMegabytes() }) });
    const c = client();
    const result = await c.send({ url: r.url }, plain);
    expect(result.ok).toBe(true);
    expect(result.responseBody).toHaveLength(16 * 1024);
    expect(result.responseBody).toBe("a".repeat(16 * 1024));
    // The connection was dropped rather than drained: the receiver stops (it would not, were the
    // client still reading or just idle), having produced only what kernel buffers held.
    expect(await producerStopped).toBeLessThan(CHUNKS);
    // ...and was not put back in the pool half-read: the next attempt gets a fresh, working connection.
    const next = await c.send({ url: r.url }, plain);
    expect(next.ok).toBe(true);
    const requests = await r.waitFor(2);
    expect(requests[1]!.connectionId).not.toBe(requests[0]!.connectionId);
  });

  it("honours a smaller maxResponseBytes", async () => {
    const r = await receiver({ handler: () => ({ status: 400, body: "0123456789" }) });
    const result = await client({ maxResponseBytes: 4 }).send({ url: r.url }, plain);
    expect(result).toMatchObject({ statusCode: 400, responseBody: "0123", errorKind: "http" });
  });

  it("reuses one kept-alive connection for consecutive sends to an endpoint", async () => {
    const r = await receiver();
    const c = client();
    expect((await c.send({ url: r.url }, plain)).ok).toBe(true);
    expect((await c.send({ url: `${r.url}/second` }, plain)).ok).toBe(true);
    const requests = await r.waitFor(2);
    expect(requests.map((req) => req.connectionId)).toEqual([1, 1]);
    expect(r.connectionCount()).toBe(1);
  });

  it("reports a connection reset before any response", async () => {
    const r = await receiver({ handler: () => ({ status: 200, delayMs: 5000 }) });
    const pending = client().send({ url: r.url }, plain);
    await r.waitFor(1);
    await r.close();
    const result = await pending;
    expect(result).toMatchObject({ ok: false, statusCode: null, errorKind: "connection_reset" });
  });

  it.each([
    ["not a url", "invalid URL: not a url"],
    ["ftp://127.0.0.1/x", "unsupported protocol ftp: in ftp://127.0.0.1"],
  ])("gives up on %s as invalid_url", async (url, message) => {
    const result = await client().send({ url }, plain);
    expect(result).toMatchObject({ ok: false, statusCode: null, errorKind: "invalid_url", errorMessage: message });
    expect(classifyOutcome(result)).toEqual({ action: "give_up", reason: message });
  });

  it("reports an unresolvable host as dns", async () => {
    const result = await client().send({ url: "http://does-not-exist.invalid/" }, plain);
    expect(result).toMatchObject({ ok: false, statusCode: null, errorKind: "dns" });
  });

  it("uses the custom lookup to reach a hostname", async () => {
    const r = await receiver();
    const result = await client({ lookup: pointAt("127.0.0.1") }).send(
      { url: `http://hooks.example.test:${r.port}/x` },
      plain,
    );
    expect(result.ok).toBe(true);
    expect((await r.waitFor(1))[0]!.headers.host).toBe(`hooks.example.test:${r.port}`);
  });
});

describe("address policy", () => {
  it("refuses 127.0.0.1 by default, without connecting", async () => {
    const r = await receiver();
    const result = await client({ addressPolicy: createAddressPolicy() }).send({ url: r.url }, plain);
    expect(result).toMatchObject({ ok: false, statusCode: null, errorKind: "blocked" });
    expect(result.errorMessage).toContain("loopback");
    expect(classifyOutcome(result).action).toBe("retry");
    expect(r.connectionCount()).toBe(0);
  });

  it("refuses IPv6 and IPv4-mapped loopback literals too", async () => {
    const c = client({ addressPolicy: createAddressPolicy() });
    expect((await c.send({ url: "http://[::1]:9/" }, plain)).errorKind).toBe("blocked");
    expect((await c.send({ url: "http://[::ffff:127.0.0.1]:9/" }, plain)).errorKind).toBe("blocked");
    expect((await c.send({ url: "http://169.254.169.254/latest/meta-data" }, plain)).errorKind).toBe("blocked");
  });

  it("allows 127.0.0.1 when the allow list contains 127.0.0.0/8", async () => {
    const r = await receiver();
    const result = await client({ addressPolicy: createAddressPolicy({ allow: ["127.0.0.0/8"] }) }).send(
      { url: r.url },
      plain,
    );
    expect(result.ok).toBe(true);
    expect(r.requests).toHaveLength(1);
  });

  it("blocks a hostname whose lookup returns a refused address", async () => {
    const r = await receiver();
    const result = await client({ addressPolicy: createAddressPolicy(), lookup: pointAt("127.0.0.1") }).send(
      { url: `http://rebound.example.test:${r.port}/` },
      plain,
    );
    expect(result).toMatchObject({ ok: false, statusCode: null, errorKind: "blocked" });
    expect(result.errorMessage).toContain("rebound.example.test (127.0.0.1)");
    expect(r.connectionCount()).toBe(0);
  });

  it("connects to the checked address when the lookup result is allowed", async () => {
    const r = await receiver();
    const policy = createAddressPolicy({ allow: ["127.0.0.0/8"] });
    const result = await client({ addressPolicy: policy, lookup: pointAt("127.0.0.1") }).send(
      { url: `http://allowed.example.test:${r.port}/` },
      plain,
    );
    expect(result.ok).toBe(true);
    expect(r.requests).toHaveLength(1);
  });

  it("refuses the cloud metadata address behind a hostname even when loopback is allowed", async () => {
    const policy = createAddressPolicy({ allow: ["127.0.0.0/8"] });
    const result = await client({ addressPolicy: policy, lookup: pointAt("169.254.169.254") }).send(
      { url: "http://metadata.example.test/" },
      plain,
    );
    expect(result).toMatchObject({ errorKind: "blocked" });
  });
});
