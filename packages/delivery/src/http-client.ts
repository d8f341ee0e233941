// One HTTP attempt with got: keep-alive, per-endpoint TLS trust, timeouts, no redirects, a capped response body,
// an endpoint's user:password@ sent as Basic auth and scrubbed from the result.
import { isIP, type LookupFunction } from "node:net";
import { performance } from "node:perf_hooks";
import got from "got";
import type { AddressPolicy } from "./address-policy.js";
import { AgentPool, type TlsContextCounts } from "./agent-pool.js";
import { InvalidTlsCertError } from "./trusted-certs.js";
import { SELECTED_RESPONSE_HEADERS, type AttemptResult, type ErrorKind } from "./attempt-result.js";
import { describeError } from "./error-kind.js";
import { InvalidUserinfoError, redactEndpoint, scrub, splitCredentials, type EndpointCredentials } from "./endpoint-credentials.js";
import type { DeliveryRequest } from "./request.js";
import { parseRetryAfter } from "./retry-after.js";

export type { TlsContextCounts } from "./agent-pool.js";

export interface DeliveryClientOptions {
  /** Sent when the request carries no User-Agent of its own. */
  userAgent: string;
  /** Cap on each of DNS lookup, TCP connect and TLS handshake. Default 5000. */
  connectTimeoutMs?: number;
  /** Cap on the whole attempt, from start to the last byte read. Default 15000. */
  totalTimeoutMs?: number;
  /** Response bytes kept; reading stops there. Default 16 KiB. */
  maxResponseBytes?: number;
  /** DNS lookup to use instead of dns.lookup (tests point hostnames at loopback with it). */
  lookup?: LookupFunction;
  /** When given, every address is checked before connecting; without it nothing is refused. */
  addressPolicy?: AddressPolicy;
  /**
   * TLS contexts (with their keep-alive agents) kept for endpoints' own tlsCert, least recently used evicted.
   * Default 256; 0 keeps none: each send builds its own and frees it when done.
   */
  tlsContextCacheSize?: number;
}

export const DEFAULT_TLS_CONTEXT_CACHE_SIZE = 256;

export interface DeliveryTarget {
  url: string;
  /** PEM certificate (a CA or the endpoint's own) trusted for this endpoint in addition to the system roots. */
  tlsCert?: string | null;
  skipTLSVerification?: boolean;
}

export interface DeliveryClient {
  send(target: DeliveryTarget, request: DeliveryRequest): Promise<AttemptResult>;
  /** TLS contexts (each with its keep-alive agent) held for endpoints' own tlsCert: at most tlsContextCacheSize. */
  tlsContextCount(): number;
  /** Those contexts kept, those built and not yet freed (kept or in use), and those ever built. */
  tlsContexts(): TlsContextCounts;
  /** Destroys pooled connections; the client must not be used afterwards. */
  close(): void;
}

type Agents = ReturnType<AgentPool["agentsFor"]>;

interface Outcome {
  statusCode: number | null;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  error: unknown;
}

function selectHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const selected: Record<string, string> = {};
  for (const name of SELECTED_RESPONSE_HEADERS) {
    const value = headers[name];
    if (value !== undefined) selected[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return selected;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

/**
 * The headers sent: the request's, less any Authorization (none is ever built; one slipped in must
 * neither replace nor double the endpoint's), plus the endpoint's credentials as Basic.
 */
function outgoingHeaders(headers: Record<string, string>, authorization: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() !== "authorization") out[name] = value;
  if (authorization !== null) out["Authorization"] = authorization;
  return out;
}

/** The result with the endpoint's password scrubbed from everything recorded (a receiver may echo it back). */
function scrubResult(result: AttemptResult, secrets: readonly string[]): AttemptResult {
  if (secrets.length === 0) return result;
  const responseHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.responseHeaders)) responseHeaders[name] = scrub(value, secrets);
  return {
    ...result,
    responseHeaders,
    responseBody: scrub(result.responseBody, secrets),
    errorMessage: result.errorMessage === null ? null : scrub(result.errorMessage, secrets),
  };
}

export function createDeliveryClient(options: DeliveryClientOptions): DeliveryClient {
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  const totalTimeoutMs = options.totalTimeoutMs ?? 15_000;
  const maxResponseBytes = options.maxResponseBytes ?? 16 * 1024;
  const policy = options.addressPolicy;
  const lookup = policy ? policy.wrapLookup(options.lookup) : options.lookup;
  const pool = new AgentPool({
    ...(lookup ? { lookup } : {}),
    maxTlsContexts: options.tlsContextCacheSize ?? DEFAULT_TLS_CONTEXT_CACHE_SIZE,
  });

  const failure = (started: number, kind: ErrorKind, message: string): AttemptResult => ({
    ok: false,
    statusCode: null,
    durationMs: Math.round(performance.now() - started),
    responseHeaders: {},
    responseBody: "",
    errorKind: kind,
    errorMessage: message,
    retryAfterMs: null,
  });

  const exchange = (
    credentials: EndpointCredentials,
    target: DeliveryTarget,
    agent: Agents,
    request: DeliveryRequest,
  ): Promise<Outcome> =>
    new Promise((resolve) => {
      const given = outgoingHeaders(request.headers, credentials.authorization);
      const headers = hasHeader(given, "user-agent") ? given : { ...given, "User-Agent": options.userAgent };
      // The URL without its userinfo: the credentials travel only in the Authorization header.
      const stream = got.stream.post(credentials.url, {
        body: request.body,
        headers,
        agent: { http: agent.http, https: agent.https },
        https: { rejectUnauthorized: target.skipTLSVerification !== true },
        http2: false,
        followRedirect: false,
        throwHttpErrors: false,
        retry: { limit: 0 },
        // Without compression the cap counts wire bytes, and no decompression bomb can get past it.
        decompress: false,
        timeout: {
          lookup: connectTimeoutMs,
          connect: connectTimeoutMs,
          secureConnect: connectTimeoutMs,
          request: totalTimeoutMs,
        },
      });
      let statusCode: number | null = null;
      let responseHeaders: Outcome["headers"] = {};
      const chunks: Buffer[] = [];
      let kept = 0;
      let settled = false;
      const settle = (error: unknown) => {
        if (settled) return;
        settled = true;
        resolve({ statusCode, headers: responseHeaders, body: Buffer.concat(chunks), error });
      };
      stream.on("response", (response: { statusCode: number; headers: Outcome["headers"] }) => {
        statusCode = response.statusCode;
        responseHeaders = response.headers;
      });
      stream.on("data", (chunk: Buffer) => {
        const room = maxResponseBytes - kept;
        if (room > 0) {
          const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
          chunks.push(part);
          kept += part.length;
        }
        if (kept >= maxResponseBytes) {
          // Enough is kept; the rest is never read. Destroying also drops the socket instead of pooling it.
          settle(null);
          stream.destroy();
        }
      });
      stream.on("end", () => settle(null));
      stream.on("error", (error: unknown) => settle(error));
      stream.on("close", () => settle(statusCode === null ? new Error("connection closed before a response") : null));
    });

  const attempt = async (
    started: number,
    credentials: EndpointCredentials,
    target: DeliveryTarget,
    request: DeliveryRequest,
  ): Promise<AttemptResult> => {
    const { url } = credentials;
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      return failure(started, "invalid_url", `unsupported protocol ${url.protocol} in ${url.origin}`);
    }
    // Sockets skip the lookup for IP literals, so the wrapped lookup never sees them: check them here.
    const host = url.hostname.replace(/^\[|\]$/g, "");
    if (policy && isIP(host) !== 0) {
      const verdict = policy.check(host);
      if (!verdict.allowed) {
        return failure(started, "blocked", `${host} refused by the outbound address policy: ${verdict.reason}`);
      }
    }

    let agents: Agents;
    try {
      agents = pool.agentsFor(target);
    } catch (error) {
      if (error instanceof InvalidTlsCertError) return failure(started, "tls", `tlsCert ${error.message}`);
      throw error;
    }
    let outcome: Outcome;
    try {
      outcome = await exchange(credentials, target, agents, request);
    } catch (error) {
      // Only setup can throw here; network errors settle instead.
      const { kind, message } = describeError(error);
      return failure(started, kind, message);
    } finally {
      agents.release();
    }

    const { statusCode, headers, body, error } = outcome;
    const durationMs = Math.round(performance.now() - started);
    const responseHeaders = selectHeaders(headers);
    const retryAfterMs = parseRetryAfter(responseHeaders["retry-after"]);
    let errorKind: ErrorKind | null = null;
    let errorMessage: string | null = null;
    if (error) {
      ({ kind: errorKind, message: errorMessage } = describeError(error));
    } else if (statusCode !== null && statusCode >= 300 && statusCode < 400) {
      errorKind = "redirect";
      errorMessage = `HTTP ${statusCode}: redirect${headers.location ? ` to ${responseHeaders.location}` : ""} not followed`;
    } else if (statusCode !== null && (statusCode < 200 || statusCode >= 300)) {
      errorKind = "http";
      errorMessage = `HTTP ${statusCode}`;
    }
    return {
      ok: errorKind === null && statusCode !== null && statusCode >= 200 && statusCode < 300,
      statusCode,
      durationMs,
      responseHeaders,
      responseBody: body.toString("utf8"),
      errorKind,
      errorMessage,
      retryAfterMs,
    };
  };

  return {
    async send(target, request) {
      const started = performance.now();
      let credentials: EndpointCredentials;
      try {
        credentials = splitCredentials(new URL(target.url));
      } catch (error) {
        if (error instanceof InvalidUserinfoError) return failure(started, "invalid_url", error.message);
        return failure(started, "invalid_url", `invalid URL: ${redactEndpoint(target.url)}`);
      }
      return scrubResult(await attempt(started, credentials, target, request), credentials.secrets);
    },
    tlsContextCount() {
      return pool.size();
    },
    tlsContexts() {
      return pool.counts();
    },
    close() {
      pool.destroy();
    },
  };
}
