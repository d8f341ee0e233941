// The small HTTP server of a process that has no web framework (the worker): GET /healthz,
// GET /readyz and GET /metrics on their own port. The answers are ops-answer.ts's, the same as the
// API's; this file adds only what a bare node:http server needs (404, 405, timeouts, errors).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { errorAnswer, isOpsPath, opsAnswer, type OpsAnswer, type OpsEndpoints } from "./ops-answer.js";

export interface OpsServerOptions extends OpsEndpoints {
  /** Told about a handler that threw (the answer is then a 500). */
  onError?: (err: unknown) => void;
}

export interface RunningOpsServer {
  server: http.Server;
  /** The port actually bound (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

function send(res: http.ServerResponse, answer: OpsAnswer): void {
  res.writeHead(answer.status, { ...answer.headers, "Content-Length": Buffer.byteLength(answer.body) });
  res.end(answer.body);
}

async function handle(options: OpsServerOptions, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = new URL(req.url ?? "/", "http://ops").pathname;
  if (!isOpsPath(path)) {
    send(res, errorAnswer(404, "NOT_FOUND", `no such endpoint: ${req.method ?? "GET"} ${path}`));
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    send(res, errorAnswer(405, "NOT_ALLOWED", `${req.method ?? ""} is not allowed here; allowed: GET, HEAD`, { Allow: "GET, HEAD" }));
    return;
  }
  send(res, await opsAnswer(options, path, req.headers.authorization));
}

export function createOpsServer(options: OpsServerOptions): http.Server {
  const server = http.createServer((req, res) => {
    // A probe sends no body; whatever is sent is drained so the connection can be reused.
    req.resume();
    handle(options, req, res).catch((err: unknown) => {
      options.onError?.(err);
      if (res.headersSent) res.destroy();
      else send(res, errorAnswer(500, "INTERNAL_ERROR", "internal error"));
    });
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  return server;
}

/** Listens on host:port (0: any free port) and resolves once bound. */
export async function startOpsServer(options: OpsServerOptions & { port: number; host: string }): Promise<RunningOpsServer> {
  const server = createOpsServer(options);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
