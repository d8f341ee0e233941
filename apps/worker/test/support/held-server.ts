// A server that accepts each request and holds it open, never answering, until the test releases
// it: an endpoint that hangs (no timer ends a held request). Several servers may count into one
// HeldCount, so a test sees how many requests a group of them holds at once.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** Open requests across a group of held servers, and the most ever open at once. */
export interface HeldCount {
  open: number;
  maxOpen: number;
  requests: number;
  ended: number;
}

export interface HeldServer {
  url: string;
  /** Answers 200 to every held request and, from now on, to every new one at once. */
  release(): void;
  close(): Promise<void>;
}

/** Accepts each request and holds it open (never answering) until release(); counts into `count`. */
export async function startHeldServer(count: HeldCount): Promise<HeldServer> {
  const held = new Set<http.ServerResponse>();
  const sockets = new Set<Socket>();
  let released = false;
  const server = http.createServer((req, res) => {
    count.requests += 1;
    count.open += 1;
    count.maxOpen = Math.max(count.maxOpen, count.open);
    req.resume();
    res.once("close", () => {
      held.delete(res);
      count.open -= 1;
      count.ended += 1;
    });
    if (released) res.end("ok");
    else held.add(res);
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    release() {
      released = true;
      for (const res of held) res.end("ok");
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
