// A small keep-alive HTTP client for timing API calls: status, body, size and wall time.
import http from "node:http";
import { performance } from "node:perf_hooks";

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

export interface TimedResponse {
  status: number;
  body: string;
  bytes: number;
  ms: number;
  headers: http.IncomingHttpHeaders;
}

export function basicAuth(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}`;
}

export function timedRequest(
  method: string,
  url: string,
  opts: { auth?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<TimedResponse> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const started = performance.now();
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: {
          ...(opts.auth ? { authorization: opts.auth } : {}),
          ...(payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {}),
        },
        timeout: opts.timeoutMs ?? 600_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const buf = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            body: buf.toString("utf8"),
            bytes: buf.length,
            ms: performance.now() - started,
            headers: res.headers,
          });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${url}: timed out`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** The same request, failing unless the status is the expected one. */
export async function expectStatus(
  status: number,
  method: string,
  url: string,
  opts: { auth?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<TimedResponse> {
  const res = await timedRequest(method, url, opts);
  if (res.status !== status) throw new Error(`${method} ${url}: expected ${status}, got ${res.status}: ${res.body.slice(0, 500)}`);
  return res;
}
