// A plain HTTP server bound to a chosen address and port that counts what reaches it: the "internal
// service" an outbound-policy test must never touch, or a server that answers as told.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface Canary {
  host: string;
  port: number;
  /** Paths of the requests that arrived. */
  hits: string[];
  close(): Promise<void>;
}

export async function startCanary(
  host: string,
  port = 0,
  reply: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_req, res) => res.end("internal"),
): Promise<Canary> {
  const hits: string[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? "");
    req.resume();
    reply(req, res);
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // "::" also takes IPv4 (dual stack), so one canary catches 127.0.0.1, ::1 and 0.0.0.0 alike.
    server.listen({ host, port, ipv6Only: false }, () => resolve());
  });
  return {
    host,
    port: (server.address() as AddressInfo).port,
    hits,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Tries for a port free on both addresses before giving up. */
const PAIR_TRIES = 20;

/**
 * A canary on `first` (answering with `reply`) and one on `second` at the same port: what a name
 * whose DNS answer flips between the two addresses reaches. A port free on one address may be taken
 * on the other (another process's server on every address), so this looks for one free on both.
 */
export async function startCanaryPair(
  first: string,
  second: string,
  reply?: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<[Canary, Canary]> {
  for (let tries = 1; ; tries += 1) {
    const a = await startCanary(first, 0, reply);
    try {
      return [a, await startCanary(second, a.port)];
    } catch (err) {
      await a.close();
      if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || tries >= PAIR_TRIES) throw err;
    }
  }
}
