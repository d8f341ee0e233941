// The test receiver must record what arrives, reply as told, and never leave a test hanging on close.
import http from "node:http";
import https from "node:https";
import { startReceiver, type Receiver } from "../src/receiver.js";
import { getTestPki } from "../src/tls.js";

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  localPort: number;
}

function post(url: string, body: string, agent?: http.Agent, ca?: string): Promise<Reply> {
  const target = new URL(url);
  const lib = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      target,
      { method: "POST", agent, ca, headers: { "content-type": "application/json", "x-test": "yes" } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
            localPort: req.socket?.localPort ?? 0,
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe("startReceiver", () => {
  it("listens on 127.0.0.1, records requests and answers 200 by default", async () => {
    receiver = await startReceiver();
    expect(receiver.url).toBe(`http://127.0.0.1:${receiver.port}`);
    const before = Date.now();
    const reply = await post(`${receiver.url}/hook?x=1`, '{"a":1}');
    expect(reply.status).toBe(200);
    const [req] = await receiver.waitFor(1);
    expect(req).toMatchObject({ method: "POST", path: "/hook?x=1", body: '{"a":1}', connectionId: 1 });
    expect(req!.headers["x-test"]).toBe("yes");
    expect(req!.receivedAt).toBeGreaterThanOrEqual(before);
    expect(req!.remotePort).toBe(reply.localPort);
  });

  it("replies with the handler's status, headers and body, numbering requests from 1", async () => {
    const seen: number[] = [];
    receiver = await startReceiver({
      handler: (req, n) => {
        seen.push(n);
        return { status: n === 1 ? 503 : 201, headers: { "retry-after": "7" }, body: `echo:${req.body}` };
      },
    });
    const first = await post(receiver.url, "one");
    const second = await post(receiver.url, "two");
    expect([first.status, second.status]).toEqual([503, 201]);
    expect(first.headers["retry-after"]).toBe("7");
    expect(second.headers["content-length"]).toBe(String("echo:two".length));
    expect(second.body).toBe("echo:two");
    expect(seen).toEqual([1, 2]);
    expect(receiver.requests.map((r) => r.body)).toEqual(["one", "two"]);
  });

  it("delays the reply by delayMs", async () => {
    receiver = await startReceiver({ handler: () => ({ status: 204, delayMs: 200 }) });
    // A timer of the same length armed before the request: Node fires timers in order of their
    // due time, and the receiver's is armed later, so the reply cannot come before this one fires.
    const order: string[] = [];
    const timer = new Promise<void>((resolve) => setTimeout(resolve, 200)).then(() => order.push("200 ms timer"));
    const reply = await post(receiver.url, "").then((r) => (order.push("reply"), r));
    await timer;
    expect(order).toEqual(["200 ms timer", "reply"]);
    expect(reply.status).toBe(204);
    expect(reply.headers["content-length"]).toBeUndefined();
  });

  it("streams an async-iterable body and stops pulling when the client goes away", async () => {
    const CHUNKS = 4096;
    let pulled = 0;
    const chunk = Buffer.alloc(64 * 1024, 120);
    // Settles when the receiver stops pulling: with how many chunks it had pulled by then.
    let stopped: (pulled: number) => void = () => undefined;
    const pullingStopped = new Promise<number>((resolve) => (stopped = resolve));
    async function* huge() {
      try {
        for (; pulled < CHUNKS; pulled += 1) yield chunk;
      } finally {
        stopped(pulled);
      }
    }
    receiver = await startReceiver({ handler: () => ({ status: 200, body: huge() }) });
    await new Promise<void>((resolve, reject) => {
      const req = http.request(receiver!.url, { method: "POST" }, (res) => {
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      });
      req.on("error", (error: NodeJS.ErrnoException) => (error.code === "ECONNRESET" ? undefined : reject(error)));
      req.end();
    });
    // The iterable is ended early (its finally runs) rather than left waiting or drained to the end:
    // 4096 chunks are 256 MiB, far more than loopback socket buffers can absorb after the client left.
    const atStop = await pullingStopped;
    expect(atStop).toBeGreaterThan(0);
    expect(atStop).toBeLessThan(CHUNKS);
  });

  it("serves HTTPS with the given certificate", async () => {
    const pki = getTestPki();
    receiver = await startReceiver({ tls: { cert: pki.cert, key: pki.key } });
    expect(receiver.url).toBe(`https://127.0.0.1:${receiver.port}`);
    const reply = await post(`${receiver.url}/secure`, "tls", undefined, pki.caCert);
    expect(reply.status).toBe(200);
    expect((await receiver.waitFor(1))[0]!.path).toBe("/secure");
    await expect(post(receiver.url, "untrusted")).rejects.toMatchObject({ code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
    expect(receiver.requests).toHaveLength(1);
  });

  it("numbers connections so kept-alive reuse is visible", async () => {
    receiver = await startReceiver();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await post(receiver.url, "a", agent);
      await post(receiver.url, "b", agent);
      await post(receiver.url, "c");
      expect(receiver.requests.map((r) => r.connectionId)).toEqual([1, 1, 2]);
      expect(receiver.connectionCount()).toBe(2);
    } finally {
      agent.destroy();
    }
  });

  it("waitFor resolves when requests arrive later and rejects on timeout", async () => {
    receiver = await startReceiver();
    const waiting = receiver.waitFor(2);
    await post(receiver.url, "1");
    await post(receiver.url, "2");
    expect((await waiting).map((r) => r.body)).toEqual(["1", "2"]);
    // A deliberately short bound: the third request never comes.
    await expect(receiver.waitFor(3, 100)).rejects.toThrow(`receiver ${receiver.url} waited 100 ms for request 3 and got 2`);
  });

  it("answers 500 with the message when the handler throws", async () => {
    receiver = await startReceiver({
      handler: () => {
        throw new Error("handler broke");
      },
    });
    const reply = await post(receiver.url, "x");
    expect(reply.status).toBe(500);
    expect(reply.body).toContain("handler broke");
  });

  it("closes promptly despite kept-alive sockets and replies still delayed", async () => {
    // Left alone, the stuck reply would hold the server open for ten minutes and the idle socket
    // for its 30 s keep-alive; close() has to be done long before either.
    receiver = await startReceiver({ handler: (_req, n) => ({ status: 200, delayMs: n === 1 ? 0 : 600_000 }) });
    const agent = new http.Agent({ keepAlive: true });
    let sentinel: NodeJS.Timeout | undefined;
    try {
      await post(receiver.url, "idle-after", agent);
      const pending = post(receiver.url, "stuck").catch((error: NodeJS.ErrnoException) => error.code);
      await receiver.waitFor(2);
      const keptOpen = new Promise<string>((resolve) => (sentinel = setTimeout(() => resolve("still open after 20 s"), 20_000)));
      expect(await Promise.race([receiver.close().then(() => "closed"), keptOpen])).toBe("closed");
      expect(await pending).toBe("ECONNRESET");
      await expect(post(receiver.url, "after close")).rejects.toMatchObject({ code: "ECONNREFUSED" });
    } finally {
      clearTimeout(sentinel);
      agent.destroy();
    }
  });
});
