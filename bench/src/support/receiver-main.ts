// The webhook receiver of the benchmarks, run as its own process (forked, with an IPC channel):
// answers every POST with 200 and an empty body, counts arrivals, keeps their times, and reads the
// publish time the bench put in contents.author ("bench:<ms>") to record publish-to-receive latency.
// It listens on many ports (argv[2], default 100): each port is its own origin, so the worker's
// per-endpoint in-flight cap sees many endpoints, as it would in production, not one.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { nowMs } from "./clock.js";
import type { ReceiverCommand, ReceiverReply } from "./receiver-protocol.js";

const PUBLISHED_AT = /"author":"bench:(\d+(?:\.\d+)?)"/;

let arrivals = new Float64Array(1 << 16);
let latencies = new Float64Array(1 << 16);
let count = 0;
let latencyCount = 0;
const waiters = new Map<number, number>();

function grow(array: Float64Array<ArrayBuffer>, needed: number): Float64Array<ArrayBuffer> {
  if (needed <= array.length) return array;
  const bigger = new Float64Array(array.length * 2);
  bigger.set(array);
  return bigger;
}

function reply(message: ReceiverReply): void {
  process.send?.(message);
}

function arrived(body: string): void {
  const at = nowMs();
  arrivals = grow(arrivals, count + 1);
  arrivals[count] = at;
  count += 1;
  const published = PUBLISHED_AT.exec(body)?.[1];
  if (published !== undefined) {
    latencies = grow(latencies, latencyCount + 1);
    latencies[latencyCount] = at - Number(published);
    latencyCount += 1;
  }
  for (const [id, target] of waiters) {
    if (count >= target) {
      waiters.delete(id);
      reply({ type: "reached", id, at });
    }
  }
}

const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    arrived(Buffer.concat(chunks).toString("utf8"));
    res.writeHead(200, { "content-length": "0" });
    res.end();
  });
};

const servers = Array.from({ length: Math.max(1, Number(process.argv[2] ?? 100)) }, () => {
  const server = http.createServer(onRequest);
  // Senders keep connections alive; so does the receiver, as a real endpoint behind a load balancer would.
  server.keepAliveTimeout = 60_000;
  return server;
});

process.on("message", (message: ReceiverCommand) => {
  switch (message.type) {
    case "reset":
      count = 0;
      latencyCount = 0;
      reply({ type: "done", id: message.id });
      break;
    case "await":
      if (count >= message.count) reply({ type: "reached", id: message.id, at: count > 0 ? (arrivals[message.count - 1] as number) : nowMs() });
      else waiters.set(message.id, message.count);
      break;
    case "stats": {
      const at = (fraction: number): number => (count === 0 ? 0 : (arrivals[Math.min(count - 1, Math.floor(fraction * count))] as number));
      reply({
        type: "stats",
        id: message.id,
        count,
        firstAt: at(0),
        lastAt: count === 0 ? 0 : (arrivals[count - 1] as number),
        at10: at(0.1),
        at90: at(0.9),
        latencies: message.latencies ? Array.from(latencies.subarray(0, latencyCount)) : [],
      });
      break;
    }
    case "window":
      // Like reset, after sending what arrived: a soak's arrival times and latencies are kept for one
      // window only, never for its whole length.
      reply({ type: "window", id: message.id, count, latencies: Array.from(latencies.subarray(0, latencyCount)) });
      count = 0;
      latencyCount = 0;
      break;
    case "close":
      for (const server of servers) server.closeAllConnections();
      void Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))).then(() => process.exit(0));
      break;
  }
});

void Promise.all(
  servers.map(
    (server) =>
      new Promise<number>((resolve) => {
        server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
      }),
  ),
).then((ports) => reply({ type: "ready", ports }));
