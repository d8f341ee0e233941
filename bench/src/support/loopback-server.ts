// An HTTP server of the bench process on 127.0.0.1 that the benchmark's end (or a crash, through
// onCleanup) closes with every connection it still holds: the bad and hostile receivers hold theirs.
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { onCleanup } from "./cleanup.js";

export interface LoopbackServer {
  /** The origin, e.g. `http://127.0.0.1:41234` (`https://` with `tls`). */
  url: string;
  /** Connections accepted so far (with `tls`: those whose handshake succeeded), and those still open. */
  accepted(): number;
  open(): number;
  close(): Promise<void>;
}

/** With `tls`, an HTTPS server with that certificate and key. */
export async function listenLoopback(handler: http.RequestListener, tls?: { cert: string; key: string }): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  server.on(tls ? "secureConnection" : "connection", (s: Socket) => {
    accepted += 1;
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const close = onCleanup(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const scheme = tls ? "https" : "http";
  return { url: `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`, accepted: () => accepted, open: () => sockets.size, close };
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
