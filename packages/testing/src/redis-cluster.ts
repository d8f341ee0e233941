// A Redis Cluster of the test's own: `redis-server --cluster-enabled yes` nodes on free loopback
// ports, each in its own temporary directory, joined by `redis-cli --cluster create` (masters with
// replicas), which the test may wound (kill -9 a master) and must stop. The machine's shared
// Redis is never touched. Without redis-server on the PATH, startRedisCluster answers null.
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { freePort } from "./free-port.js";

const run = promisify(execFile);

export interface ClusterNode {
  port: number;
  process: ChildProcess;
  dir: string;
}

export interface RedisCluster {
  nodes: ClusterNode[];
  /** REDIS_CLUSTER_NODES for the apps: every node as 127.0.0.1:port. */
  nodeList: string;
  /** The port of the master serving `key`'s slot now. */
  masterOf(key: string): Promise<number>;
  /** kill -9 of the node on `port`. */
  kill(port: number): void;
  /** Resolves once `key`'s slot is served by a master other than `formerPort` and the cluster is ok. */
  failedOver(key: string, formerPort: number): Promise<number>;
  stop(): Promise<void>;
}

/** Whether this machine can run the cluster (the test says why it skips when not). */
export function redisServerAvailable(): boolean {
  const server = spawnSync("redis-server", ["--version"], { stdio: "ignore" });
  const cli = spawnSync("redis-cli", ["--version"], { stdio: "ignore" });
  return server.status === 0 && cli.status === 0;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Asks one node, on a connection of its own that gives up at once when the node is away. */
async function ask(port: number, ...args: string[]): Promise<unknown> {
  const redis = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    const [command = "PING", ...rest] = args;
    return await redis.call(command, ...rest);
  } finally {
    redis.disconnect();
  }
}

async function until<T>(what: string, probe: () => Promise<T | false>, tries = 600): Promise<T> {
  let last: unknown;
  for (let i = 0; i < tries; i += 1) {
    try {
      const answer = await probe();
      if (answer !== false) return answer;
    } catch (err) {
      last = err;
    }
    await sleep(100);
  }
  throw new Error(`redis cluster: ${what} did not happen${last instanceof Error ? ` (${last.message})` : ""}`);
}

/** `masters` masters, each with `replicasEach` replicas; a failed master is noticed after about a second. */
export async function startRedisCluster(masters = 3, replicasEach = 1): Promise<RedisCluster | null> {
  if (!redisServerAvailable()) return null;
  const nodes: ClusterNode[] = [];
  const count = masters * (replicasEach + 1);
  const stop = async (): Promise<void> => {
    await Promise.all(
      nodes.map(async (node) => {
        if (node.process.exitCode === null && node.process.signalCode === null) {
          const exited = new Promise<void>((resolve) => node.process.once("exit", () => resolve()));
          node.process.kill("SIGKILL");
          await exited;
        }
        rmSync(node.dir, { recursive: true, force: true });
      }),
    );
  };
  try {
    for (let i = 0; i < count; i += 1) {
      const port = await freePort();
      // The cluster bus gets a free port of its own. Left to its default (port + 10000) it lands in
      // the ephemeral range, on a port another socket may hold, or past 65535 for a port over 55535.
      const busPort = await freePort();
      const dir = mkdtempSync(path.join(os.tmpdir(), "msrwh-redis-cluster-"));
      const child = spawn(
        "redis-server",
        [
          "--port", String(port), "--cluster-port", String(busPort), "--bind", "127.0.0.1", "--dir", dir,
          "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "1000",
          "--save", "", "--appendonly", "no",
        ],
        { stdio: "ignore" },
      );
      nodes.push({ port, process: child, dir });
    }
    for (const node of nodes) await until(`node ${node.port} to answer`, async () => (await ask(node.port, "PING")) === "PONG");
    await run("redis-cli", [
      "--cluster", "create", ...nodes.map((n) => `127.0.0.1:${n.port}`),
      "--cluster-replicas", String(replicasEach), "--cluster-yes",
    ]);
    // Every node must agree that all slots are served and know every other node.
    for (const node of nodes) {
      await until(`node ${node.port} to see the cluster ok`, async () => {
        const info = String(await ask(node.port, "CLUSTER", "INFO"));
        return info.includes("cluster_state:ok") && info.includes(`cluster_known_nodes:${count}`);
      });
    }
    await until("every replica to be in sync", async () => {
      const roles = await Promise.all(nodes.map(async (n) => String(await ask(n.port, "INFO", "replication"))));
      return roles.filter((r) => r.includes("role:slave") && r.includes("master_link_status:up")).length === masters * replicasEach;
    });
  } catch (err) {
    await stop();
    throw err;
  }

  const masterOf = async (key: string, askPort?: number): Promise<number> => {
    const from = askPort ?? nodes.find((n) => n.process.exitCode === null && n.process.signalCode === null)?.port;
    if (from === undefined) throw new Error("redis cluster: every node is down");
    const slot = Number(await ask(from, "CLUSTER", "KEYSLOT", key));
    const ranges = (await ask(from, "CLUSTER", "SLOTS")) as [number, number, [string, number, ...unknown[]], ...unknown[]][];
    const range = ranges.find(([first, last]) => slot >= first && slot <= last);
    if (!range) throw new Error(`redis cluster: no node serves slot ${slot}`);
    return range[2][1];
  };

  return {
    nodes,
    nodeList: nodes.map((n) => `127.0.0.1:${n.port}`).join(","),
    masterOf: (key) => masterOf(key),
    kill(port) {
      nodes.find((n) => n.port === port)?.process.kill("SIGKILL");
    },
    async failedOver(key, formerPort) {
      const alive = nodes.filter((n) => n.port !== formerPort);
      return until(`a replica to take over from ${formerPort}`, async () => {
        for (const node of alive) {
          const info = String(await ask(node.port, "CLUSTER", "INFO"));
          if (!info.includes("cluster_state:ok")) return false;
        }
        const now = await masterOf(key, alive[0]?.port);
        return now !== formerPort && now;
      });
    },
    stop,
  };
}
