// An HTTP server of the bench process on 127.0.0.1 that the benchmark's end (or a crash, through
// onCleanup) closes with every connection it still holds: the bad and hostile receivers hold theirs.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { onCleanup } from "./cleanup.js";

export interface LoopbackServer {
  /** The origin, e.g. `http://127.0.0.1:41234`. */
  url: string;
  close(): Promise<void>;
}

export async function listenLoopback(handler: http.RequestListener): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const server = http.createServer(handler);
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const close = onCleanup(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close };
}

/** Counts requests and the most open at once, across every server whose handler it wraps. */
export class OpenRequests {
  requests = 0;
  maxOpen = 0;
  private open = 0;

  /** Call at each request: counts it, and its end when the response closes. */
  track(res: http.ServerResponse): void {
    this.requests += 1;
    this.open += 1;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    res.once("close", () => (this.open -= 1));
  }

  reset(): void {
    this.requests = 0;
    this.maxOpen = this.open;
  }
}
