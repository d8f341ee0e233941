// The soak's failing endpoints, in the bench process: one answers 500 at once, one answers 200
// after `slowMs`, one is down (resets every connection) until `downForMs` after start() and then
// answers 200. Each counts the requests it got per window and in all.
import type http from "node:http";
import { nowMs } from "./clock.js";
import { listenLoopback, type LoopbackServer } from "./loopback-server.js";

export type BadEndpointName = "failing" | "slow" | "flapping";

export interface BadEndpoint {
  name: BadEndpointName;
  url: string;
  /** What this endpoint's deliveries end as (checked against the database after the soak). */
  expect: readonly string[];
  /** Its deliveries may still be unfinished at the end: its circuit stays open, one probe per BREAKER_OPEN. */
  mayWait: boolean;
  requests: number;
  windowRequests: number;
  server: LoopbackServer;
}

export interface BadEndpoints {
  all: BadEndpoint[];
  /** Starts the flapping endpoint's down time. */
  start(): void;
  /** Requests per endpoint since the last call. */
  window(): Record<BadEndpointName, number>;
  close(): Promise<void>;
}

export async function startBadEndpoints(opts: { slowMs: number; downForMs: number }): Promise<BadEndpoints> {
  // Up until start(): the warm-up's deliveries all succeed.
  let upAt = 0;
  const endpoints: BadEndpoint[] = [];
  const add = async (name: BadEndpointName, expect: readonly string[], mayWait: boolean, answer: (req: http.IncomingMessage, res: http.ServerResponse) => void) => {
    const counts = { requests: 0, windowRequests: 0 };
    const server = await listenLoopback((req, res) => {
      counts.requests += 1;
      counts.windowRequests += 1;
      req.resume();
      req.on("end", () => answer(req, res));
    });
    endpoints.push(Object.assign(counts, { name, url: server.url, expect, mayWait, server }));
  };
  await add("failing", ["failed"], true, (_req, res) => res.writeHead(500, { "content-length": "0" }).end());
  await add("slow", ["succeeded"], false, (_req, res) => {
    const timer = setTimeout(() => res.writeHead(200, { "content-length": "0" }).end(), opts.slowMs);
    res.once("close", () => clearTimeout(timer));
  });
  // Down: the connection is reset (a crashed or restarting service behind a proxy); deliveries made
  // then may fail for good or succeed on a later attempt once it is back: either is as it behaved.
  await add("flapping", ["succeeded", "failed"], false, (req, res) => {
    if (nowMs() < upAt) req.socket.destroy();
    else res.writeHead(200, { "content-length": "0" }).end();
  });
  return {
    all: endpoints,
    start() {
      upAt = nowMs() + opts.downForMs;
    },
    window() {
      const counts = {} as Record<BadEndpointName, number>;
      for (const e of endpoints) {
        counts[e.name] = e.windowRequests;
        e.windowRequests = 0;
      }
      return counts;
    },
    async close() {
      for (const e of endpoints) await e.server.close();
    },
  };
}
