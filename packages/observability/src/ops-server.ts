// The small HTTP server of a process that has no web framework (the worker): GET /healthz,
// GET /readyz and GET /metrics on their own port, with the same answers as the API's. Plain
// node:http; errors use MSR's body ({"errors":[{code,message}]}) like the API's.
import { createHash, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { LIVE_BODY, readinessStatus, type Readiness } from "./health.js";
import { METRICS_CONTENT_TYPE, type Metrics } from "./metrics.js";

export interface OpsServerOptions {
  readiness(): Promise<Readiness>;
  metrics: Pick<Metrics, "text">;
  /** When set, /metrics needs `Authorization: Bearer <metricsToken>`. */
  metricsToken?: string | undefined;
  /** Told about a handler that threw (the answer is then a 500). */
  onError?: (err: unknown) => void;
}

export interface RunningOpsServer {
  server: http.Server;
  /** The port actually bound (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

const PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

const digest = (s: string): Buffer => createHash("sha256").update(s).digest();

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "")?.[1];
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(text);
}

function error(res: http.ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  json(res, status, { errors: [{ code, message }] }, headers);
}

async function handle(options: OpsServerOptions, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = new URL(req.url ?? "/", "http://ops").pathname;
  if (!PATHS.has(path)) {
    error(res, 404, "NOT_FOUND", `no such endpoint: ${req.method ?? "GET"} ${path}`);
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    error(res, 405, "NOT_ALLOWED", `${req.method ?? ""} is not allowed here; allowed: GET, HEAD`, { Allow: "GET, HEAD" });
    return;
  }
  if (path === "/healthz") {
    json(res, 200, LIVE_BODY);
    return;
  }
  if (path === "/readyz") {
    const readiness = await options.readiness();
    json(res, readinessStatus(readiness), readiness);
    return;
  }
  if (options.metricsToken !== undefined && !bearerMatches(req.headers.authorization, options.metricsToken)) {
    error(res, 401, "NOT_AUTHENTICATED", "GET /metrics needs Authorization: Bearer <METRICS_TOKEN>", {
      "WWW-Authenticate": 'Bearer realm="msr-webhooks metrics"',
    });
    return;
  }
  const text = await options.metrics.text();
  res.writeHead(200, { "Content-Type": METRICS_CONTENT_TYPE, "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-store" });
  res.end(text);
}

export function createOpsServer(options: OpsServerOptions): http.Server {
  const server = http.createServer((req, res) => {
    // A probe sends no body; whatever is sent is drained so the connection can be reused.
    req.resume();
    handle(options, req, res).catch((err: unknown) => {
      options.onError?.(err);
      if (res.headersSent) res.destroy();
      else error(res, 500, "INTERNAL_ERROR", "internal error");
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
