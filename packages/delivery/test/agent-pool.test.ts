// TLS contexts for endpoints' own tlsCert: one per set of parsed certificates (however the PEM is laid
// out), at most the configured number, the least recently used evicted with its idle connections closed.
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { generateCertificateAuthority, getTestPki, type CertificateAuthority } from "@msr-webhooks/testing/tls";
import { createDeliveryClient, type DeliveryClient } from "../src/http-client.js";

const plain = { body: "{}", headers: { "Content-Type": "application/json" } };
const pki = getTestPki();
const BOUND = 4;

/** The same PEM with different line endings, leading blank lines and trailing whitespace. */
export function layoutVariant(pem: string, i: number): string {
  const lines = pem.trim().split(/\r?\n/);
  const eol = i % 2 === 0 ? "\n" : "\r\n";
  const lead = eol.repeat(Math.floor(i / 2) % 4);
  const trail = " ".repeat(Math.floor(i / 8) % 30) + "\n".repeat(Math.floor(i / 240));
  return lead + lines.join(eol) + trail;
}

let client: DeliveryClient;
let receiver: Receiver;
let others: CertificateAuthority[];

beforeAll(async () => {
  receiver = await startReceiver({ tls: { cert: pki.cert, key: pki.key } });
  others = Array.from({ length: 2 * BOUND + 2 }, (_, i) => generateCertificateAuthority(`unrelated CA ${i}`));
});
afterAll(async () => {
  await receiver.close();
});
beforeEach(() => {
  client = createDeliveryClient({ userAgent: "pool-test/1", tlsContextCacheSize: BOUND });
});
afterEach(() => {
  client.close();
});

describe("TLS contexts for endpoints' tlsCert", () => {
  it("holds one context for 200 layouts of the same certificate, and the chain in either order", async () => {
    const variants = new Set(Array.from({ length: 200 }, (_, i) => layoutVariant(pki.caCert, i)));
    expect(variants.size).toBe(200);
    for (const tlsCert of variants) {
      expect(await client.send({ url: receiver.url, tlsCert }, plain)).toMatchObject({ ok: true });
    }
    expect(client.tlsContextCount()).toBe(1);
    expect((await client.send({ url: receiver.url, tlsCert: pki.caCert + pki.cert }, plain)).ok).toBe(true);
    expect((await client.send({ url: receiver.url, tlsCert: `${pki.cert}\n${pki.caCert}` }, plain)).ok).toBe(true);
    expect(client.tlsContextCount()).toBe(2);
  });

  it("holds at most the bound for many distinct certificates, and still trusts an evicted one when it comes back", async () => {
    expect((await client.send({ url: receiver.url, tlsCert: pki.caCert }, plain)).ok).toBe(true);
    for (const ca of others) {
      const result = await client.send({ url: receiver.url, tlsCert: ca.caCert }, plain);
      expect(result.errorKind).toBe("tls");
      expect(client.tlsContextCount()).toBeLessThanOrEqual(BOUND);
    }
    expect(client.tlsContextCount()).toBe(BOUND);
    expect((await client.send({ url: receiver.url, tlsCert: pki.caCert }, plain)).ok).toBe(true);
    expect(client.tlsContextCount()).toBe(BOUND);
  });

  it("closes the idle keep-alive connection of an evicted context", async () => {
    const open = new Set<Socket>();
    const server = https.createServer({ cert: pki.cert, key: pki.key }, (req, res) => {
      req.resume();
      res.end("ok");
    });
    server.keepAliveTimeout = 60_000;
    server.on("secureConnection", (socket: Socket) => {
      open.add(socket);
      socket.once("close", () => open.delete(socket));
    });
    server.on("tlsClientError", () => undefined);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      expect((await client.send({ url, tlsCert: pki.caCert }, plain)).ok).toBe(true);
      expect(open.size).toBe(1);
      for (const ca of others.slice(0, BOUND)) await client.send({ url, tlsCert: ca.caCert }, plain);
      await waitUntil(() => open.size === 0, "the evicted context's idle connection to close");
    } finally {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("refuses a stored tlsCert that is not a certificate without holding a context for it", async () => {
    const result = await client.send({ url: receiver.url, tlsCert: "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----" }, plain);
    expect(result).toMatchObject({ ok: false, errorKind: "tls" });
    expect(client.tlsContextCount()).toBe(0);
  });
});

async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe("freeing TLS contexts", () => {
  const settle = async (c: DeliveryClient, open: number, what: string) => waitUntil(() => c.tlsContexts().open === open, what);

  it("frees each evicted context once its connections have closed: no more than the bound stay built", async () => {
    expect((await client.send({ url: receiver.url, tlsCert: pki.caCert }, plain)).ok).toBe(true);
    for (const ca of others) await client.send({ url: receiver.url, tlsCert: ca.caCert }, plain);
    expect(client.tlsContexts()).toMatchObject({ cached: BOUND, created: others.length + 1 });
    await settle(client, BOUND, "the evicted contexts to be freed");
  });

  it("with a bound of 0 keeps none: each send builds a context of its own and frees it after", async () => {
    const oneOff = createDeliveryClient({ userAgent: "pool-test/1", tlsContextCacheSize: 0 });
    try {
      for (let i = 0; i < 10; i++) {
        expect((await oneOff.send({ url: receiver.url, tlsCert: layoutVariant(pki.caCert, i % 2) }, plain)).ok).toBe(true);
      }
      expect((await oneOff.send({ url: receiver.url, tlsCert: others[0]!.caCert }, plain)).errorKind).toBe("tls");
      expect(oneOff.tlsContexts()).toMatchObject({ cached: 0, created: 11 });
      await settle(oneOff, 0, "every one-off context to be freed");
    } finally {
      oneOff.close();
    }
  });

  it("does not free a context evicted before its send has connected", async () => {
    const one = createDeliveryClient({ userAgent: "pool-test/1", tlsContextCacheSize: 1 });
    try {
      // The second send evicts the first one's context in the same tick, before got opens its connection.
      const [first, second] = await Promise.all([
        one.send({ url: receiver.url, tlsCert: pki.caCert }, plain),
        one.send({ url: receiver.url, tlsCert: pki.caCert + pki.cert }, plain),
      ]);
      expect(first.ok).toBe(true);
      expect(second.ok).toBe(true);
      await settle(one, 1, "the evicted context to be freed after its send");
    } finally {
      one.close();
    }
  });
});
