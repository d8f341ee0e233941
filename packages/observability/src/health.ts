// Liveness and readiness, shared by the API and the worker: alive means the process answers;
// ready means its own PostgreSQL pool and Redis connection answer `SELECT 1` / `PING` within a
// short timeout. A dependency that hangs counts as down: a probe never waits longer than that.

/** The body of a liveness answer (always 200). */
export const LIVE_BODY = { status: "ok" } as const;

export type Probe = () => Promise<unknown>;

export interface ProbeResult {
  ok: boolean;
  durationMs: number;
  /** Why the probe failed (absent when ok). */
  error?: string;
}

export interface Readiness {
  status: "ok" | "unavailable";
  /** The names of the probes that failed, e.g. ["redis"]. */
  failed: string[];
  checks: Record<string, ProbeResult>;
}

export class ProbeTimeoutError extends Error {}

/** Rejects when `promise` has not settled within `ms` (the promise itself is left to settle). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeTimeoutError(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

async function runProbe(name: string, probe: Probe, timeoutMs: number): Promise<ProbeResult> {
  const started = performance.now();
  try {
    await withTimeout(Promise.resolve().then(probe), timeoutMs, name);
    return { ok: true, durationMs: Math.round(performance.now() - started) };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    return { ok: false, durationMs: Math.round(performance.now() - started), error: error.split("\n", 1)[0] ?? error };
  }
}

/** Runs every probe at once, each within `timeoutMs`. */
export async function checkReadiness(probes: Record<string, Probe>, timeoutMs: number): Promise<Readiness> {
  const names = Object.keys(probes);
  const results = await Promise.all(names.map((name) => runProbe(name, probes[name] as Probe, timeoutMs)));
  const checks: Record<string, ProbeResult> = {};
  names.forEach((name, i) => (checks[name] = results[i] as ProbeResult));
  const failed = names.filter((name) => checks[name]?.ok !== true);
  return { status: failed.length === 0 ? "ok" : "unavailable", failed, checks };
}

/** The HTTP status of a readiness answer. */
export function readinessStatus(readiness: Readiness): 200 | 503 {
  return readiness.status === "ok" ? 200 : 503;
}

/** Runs one SQL text and resolves with its rows: `(q) => prisma.$queryRawUnsafe(q)`, or a pg pool's. */
export type RawQuery = (sql: string) => Promise<unknown>;

/**
 * Prisma's errors open with a call-site excerpt and end with the driver's words
 * ("Raw query failed. Code: `3D000`. Message: `database "x" does not exist`"): keep those.
 */
export function conciseDbError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const lines = message.split("\n").filter((l) => l.trim() !== "");
  const last = lines[lines.length - 1] ?? message;
  const driver = /Message: `(.*)`\s*$/.exec(last)?.[1];
  return driver ?? last.trim();
}

export function postgresProbe(query: RawQuery): Probe {
  return async () => {
    try {
      await query("SELECT 1");
    } catch (err) {
      throw new Error(conciseDbError(err));
    }
  };
}

/** The part of an ioredis client the probe uses. */
export interface PingableRedis {
  status: string;
  ping(): Promise<string>;
}

/**
 * A client that is not connected would queue the PING until it reconnects (BullMQ connections
 * retry forever): report its state at once instead.
 */
export function redisProbe(redis: PingableRedis): Probe {
  return async () => {
    if (redis.status !== "ready") throw new Error(`redis connection is ${redis.status}`);
    const answer = await redis.ping();
    if (answer !== "PONG") throw new Error(`redis answered ${answer} to PING`);
  };
}
