// What GET /healthz, /readyz and /metrics answer, whichever server carries them (the API's Express
// app, the worker's plain node:http server): one implementation, so both processes answer alike.
// No Basic auth and no Accept check: probes send neither; never cached by a proxy in between.
import { bearerMatches } from "./bearer.js";
import { LIVE_BODY, readinessStatus, type Readiness } from "./health.js";
import { METRICS_CONTENT_TYPE, type Metrics } from "./metrics.js";

export const OPS_PATHS = ["/healthz", "/readyz", "/metrics"] as const;
export type OpsPath = (typeof OPS_PATHS)[number];

export interface OpsEndpoints {
  readiness(): Promise<Readiness>;
  metrics: Pick<Metrics, "text">;
  /** When set, /metrics needs `Authorization: Bearer <metricsToken>`. */
  metricsToken?: string | undefined;
}

export interface OpsAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const JSON_TYPE = "application/json; charset=utf-8";

/** A JSON answer (MSR's error body for errors), never stored by a cache. */
export function jsonAnswer(status: number, body: unknown, headers: Record<string, string> = {}): OpsAnswer {
  return { status, headers: { "Content-Type": JSON_TYPE, "Cache-Control": "no-store", ...headers }, body: JSON.stringify(body) };
}

/** MSR's error body, `{"errors":[{code,message}]}`. */
export function errorAnswer(status: number, code: string, message: string, headers: Record<string, string> = {}): OpsAnswer {
  return jsonAnswer(status, { errors: [{ code, message }] }, headers);
}

export function isOpsPath(path: string): path is OpsPath {
  return (OPS_PATHS as readonly string[]).includes(path);
}

/** The answer to GET `path`, with the request's Authorization header (only /metrics reads it). */
export async function opsAnswer(endpoints: OpsEndpoints, path: OpsPath, authorization: string | undefined): Promise<OpsAnswer> {
  if (path === "/healthz") return jsonAnswer(200, LIVE_BODY);
  if (path === "/readyz") {
    const readiness = await endpoints.readiness();
    return jsonAnswer(readinessStatus(readiness), readiness);
  }
  if (endpoints.metricsToken !== undefined && !bearerMatches(authorization, endpoints.metricsToken)) {
    return errorAnswer(401, "NOT_AUTHENTICATED", "GET /metrics needs Authorization: Bearer <METRICS_TOKEN>", {
      "WWW-Authenticate": 'Bearer realm="msr-webhooks metrics"',
    });
  }
  return { status: 200, headers: { "Content-Type": METRICS_CONTENT_TYPE, "Cache-Control": "no-store" }, body: await endpoints.metrics.text() };
}
