// A real webhook receiver for tests: HTTP or HTTPS on 127.0.0.1, records every request, replies as told.
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

export interface ReceivedRequest {
  method: string;
  /** Path and query string, as sent. */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** ms since epoch, when the request body was complete. */
  receivedAt: number;
  /** 1, 2, ... per accepted TCP connection: equal ids mean a kept-alive connection was reused. */
  connectionId: number;
  remotePort: number;
}

export interface ReceiverReply {
  status: number;
  headers?: Record<string, string>;
  /** A string, or chunks streamed with backpressure (large or slow bodies). */
  body?: string | Buffer | AsyncIterable<string | Buffer>;
  /** Wait this long before sending the status line. */
  delayMs?: number;
}

export type ReceiverHandler = (req: ReceivedRequest, n: number) => ReceiverReply | Promise<ReceiverReply>;

export interface ReceiverOptions {
  tls?: { cert: string; key: string };
  /** Called with each request and its 1-based number; default replies 200 with an empty body. */
  handler?: ReceiverHandler;
}

export interface Receiver {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Number of TCP connections accepted so far. */
  connectionCount(): number;
  /** Resolves once `count` requests have arrived; rejects after `timeoutMs` (default 30 s, well below the 120 s test timeout). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

const DEFAULT_REPLY: ReceiverReply = { status: 200 };

export async function startReceiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const connectionIds = new WeakMap<Socket, number>();
  const pendingDelays = new Map<NodeJS.Timeout, () => void>();
  const waiters = new Set<() => void>();
  let connections = 0;
  let closed = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        pendingDelays.delete(timer);
        resolve();
      }, ms);
      pendingDelays.set(timer, resolve);
    });

  const respond = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const socket = req.socket;
    const received: ReceivedRequest = {
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      body: Buffer.concat(chunks).toString("utf8"),
      receivedAt: Date.now(),
      connectionId: connectionIds.get(socket) ?? 0,
      remotePort: socket.remotePort ?? 0,
    };
    requests.push(received);
    for (const wake of waiters) wake();

    const reply = options.handler ? await options.handler(received, requests.length) : DEFAULT_REPLY;
    if (reply.delayMs && !closed) await sleep(reply.delayMs);
    if (closed || res.destroyed) return;
    const body = reply.body;
    const headers = { ...reply.headers };
    if (body === undefined || typeof body === "string" || Buffer.isBuffer(body)) {
      // A fixed body gets a Content-Length, as most real servers send, unless the handler chose its own.
      const bodyless = reply.status === 204 || reply.status === 304 || reply.status < 200;
      if (!bodyless && !Object.keys(headers).some((name) => name.toLowerCase() === "content-length")) {
        headers["content-length"] = String(body === undefined ? 0 : Buffer.byteLength(body));
      }
      res.writeHead(reply.status, headers);
      res.end(body);
      return;
    }
    res.writeHead(reply.status, headers);
    // pipeline stops pulling from the iterable (and calls its return()) as soon as the client goes away.
    await pipeline(Readable.from(body, { objectMode: false }), res).catch(() => undefined);
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    respond(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  };

  const server = options.tls
    ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, onRequest)
    : http.createServer(onRequest);
  // Client-side keep-alive behaviour is what the tests observe: keep idle sockets long enough to be reused.
  server.keepAliveTimeout = 30_000;
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  // For TLS the 'connection' socket is the raw TCP one; requests see the TLS socket wrapping it.
  server.on(options.tls ? "secureConnection" : "connection", (socket: Socket) => {
    connections += 1;
    connectionIds.set(socket, connections);
  });
  // Failed handshakes are what some tests provoke; unparseable requests get Node's default 400 and close.
  server.on("tlsClientError", () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `${options.tls ? "https" : "http"}://127.0.0.1:${port}`;

  return {
    url,
    port,
    requests,
    connectionCount: () => connections,
    waitFor(count, timeoutMs = 30_000) {
      if (requests.length >= count) return Promise.resolve(requests.slice(0, count));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver ${url} waited ${timeoutMs} ms for request ${count} and got ${requests.length}`));
        }, timeoutMs);
        const check = () => {
          if (requests.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(requests.slice(0, count));
        };
        waiters.add(check);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const [timer, resolve] of pendingDelays) {
        clearTimeout(timer);
        resolve();
      }
      pendingDelays.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      // server.close() alone waits for kept-alive and in-flight sockets; tests must not hang on them.
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await done;
    },
  };
}
