// The soak's CPU scheduling per window: was a late window one where our processes waited for a core,
// or where the machine itself was taken away, and who took it? Read from the kernel, not from the processes:
// - the time each process's main thread was runnable but waited for a core (/proc/<pid>/schedstat's
//   second field): the worker's event loop, the API's, the receiver's, this bench process's, and all
//   of PostgreSQL's and Redis's processes summed;
// - the machine's CPU pressure (/proc/pressure/cpu, "some": time at least one task waited) and I/O
//   pressure (/proc/pressure/io, "some" and "full");
// - steal (/proc/stat): time the hypervisor ran something else while a core of this machine wanted to run;
// - who used the CPU, in percent of one core (/proc/<pid>/stat): the worker, the API, the receiver,
//   this bench process, the run's PostgreSQL backends, the rest of PostgreSQL (autovacuum,
//   checkpointer, WAL writer, other databases' backends, and backends that ended in the window,
//   from the server's reaped children), Redis, and the rest of the machine ("other": other
//   programs, interrupts, steal).
// Each is NaN where the kernel does not offer it (no PSI, no schedstat).
import { readdirSync, readFileSync } from "node:fs";
import { cpuMsOf, machineJiffies, reapedOf, ticksToMs } from "./proc-stats.js";
import type { Sample } from "./soak-sample.js";

/** Servers whose every process is summed, by /proc/<pid>/comm's start. */
const SERVERS = { postgres: "postgres", redis: "redis-server" } as const;
type Server = keyof typeof SERVERS;

export interface SchedTarget {
  /** Our processes, by the name their series take: their main thread's wait, and their CPU. */
  pids: Record<string, number>;
  /** The run's database: its backends' CPU is told apart from the rest of PostgreSQL's. */
  database: string;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** Milliseconds the thread has waited on a run queue so far; null once it is gone. */
function runWaitMs(pid: number | string): number | null {
  const text = readText(`/proc/${pid}/schedstat`);
  const wait = text === null ? Number.NaN : Number(text.trim().split(/\s+/)[1]);
  return Number.isFinite(wait) ? wait / 1e6 : null;
}

interface ServerProcess {
  waitMs: number;
  cpuMs: number;
  runDb: boolean;
  /** Its parent, and what its ended children used (reapedOf). */
  parent: number;
  reapedCpuMs: number;
}

interface ServerReading {
  byPid: Map<number, ServerProcess>;
  /** CPU of the server's processes that ended and were waited for by their parent, the server. */
  reapedCpuMs: number;
}

function readServers(database: string): Record<Server, ServerReading> {
  const out: Record<Server, ServerReading> = {
    postgres: { byPid: new Map(), reapedCpuMs: 0 },
    redis: { byPid: new Map(), reapedCpuMs: 0 },
  };
  let pids: number[] = [];
  try {
    pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    // No /proc: the sums stay empty.
  }
  for (const pid of pids) {
    const comm = readText(`/proc/${pid}/comm`)?.trim() ?? "";
    const server = (Object.keys(SERVERS) as Server[]).find((key) => comm.startsWith(SERVERS[key]));
    const waitMs = server ? runWaitMs(pid) : null;
    const stat = server ? reapedOf(pid) : null;
    if (!server || waitMs === null || stat === null) continue;
    // A backend's title names its database: "postgres: 15/main: postgres <db> 127.0.0.1(port) idle".
    const runDb = server === "postgres" && (readText(`/proc/${pid}/cmdline`) ?? "").includes(` ${database} `);
    out[server].byPid.set(pid, { waitMs, cpuMs: stat.cpuMs, runDb, parent: stat.parent, reapedCpuMs: stat.reapedCpuMs });
  }
  for (const reading of Object.values(out)) {
    for (const p of reading.byPid.values()) {
      if (!reading.byPid.has(p.parent)) reading.reapedCpuMs += p.reapedCpuMs;
    }
  }
  return out;
}

/**
 * A server's run-queue wait and CPU since `last`, summed over its processes. A process that started
 * since counts from zero. One that ended since is missed for its wait; its CPU comes back through
 * the server's reaped children, less what it had used by the last reading.
 */
function serverWindow(now: ServerReading, last: ServerReading): { waitMs: number; runDbCpuMs: number; restCpuMs: number } {
  if (now.byPid.size === 0) return { waitMs: Number.NaN, runDbCpuMs: Number.NaN, restCpuMs: Number.NaN };
  const sum = { waitMs: 0, runDbCpuMs: 0, restCpuMs: 0 };
  for (const [pid, p] of now.byPid) {
    const before = last.byPid.get(pid);
    sum.waitMs += p.waitMs - (before?.waitMs ?? 0);
    const cpu = p.cpuMs - (before?.cpuMs ?? 0);
    if (p.runDb) sum.runDbCpuMs += cpu;
    else sum.restCpuMs += cpu;
  }
  let ended = 0;
  for (const [pid, p] of last.byPid) if (!now.byPid.has(pid)) ended += p.cpuMs;
  sum.restCpuMs += Math.max(0, now.reapedCpuMs - last.reapedCpuMs - ended);
  return sum;
}

/** PSI's cumulative stall microseconds: "some" and "full" of one resource (NaN without PSI). */
function pressure(resource: "cpu" | "io"): { some: number; full: number } {
  const text = readText(`/proc/pressure/${resource}`) ?? "";
  const total = (kind: string): number => Number(new RegExp(`^${kind} .*total=(\\d+)`, "m").exec(text)?.[1] ?? Number.NaN);
  return { some: total("some"), full: total("full") };
}

interface Reading {
  /** Cumulative ms: run-queue waits and CPU of our processes, PSI stalls, machine busy, steal and all jiffies. */
  totals: Record<string, number>;
  servers: Record<Server, ServerReading>;
}

function read(target: SchedTarget): Reading {
  const reading: Record<string, number> = {};
  for (const [name, pid] of Object.entries(target.pids)) {
    reading[`${name}_run_wait`] = runWaitMs(pid) ?? Number.NaN;
    reading[`${name}_cpu`] = cpuMsOf(pid) ?? Number.NaN;
  }
  const cpu = pressure("cpu");
  const io = pressure("io");
  reading.machine_cpu_pressure = cpu.some / 1000;
  reading.machine_io_pressure_some = io.some / 1000;
  reading.machine_io_pressure_full = io.full / 1000;
  const jiffies = machineJiffies();
  reading.busy = ticksToMs(jiffies.busy);
  reading.steal = jiffies.steal;
  reading.total = jiffies.total;
  return { totals: reading, servers: readServers(target.database) };
}

export class SchedWindow {
  private last: Reading;

  constructor(private readonly target: SchedTarget) {
    this.last = read(target);
  }

  /** Milliseconds waited (or stalled) per second of the window, CPU in percent of one core, and steal as a share of all CPU time. */
  take(seconds: number): Sample {
    const now = read(this.target);
    const last = this.last;
    this.last = now;
    const sample: Sample = {};
    const d = (key: string): number => (now.totals[key] ?? Number.NaN) - (last.totals[key] ?? Number.NaN);
    const pct = (ms: number): number => ms / (10 * seconds);
    let ours = 0;
    for (const name of Object.keys(this.target.pids)) {
      sample[`${name}_run_wait_ms_per_s`] = d(`${name}_run_wait`) / seconds;
      sample[`${name}_cpu_pct`] = pct(d(`${name}_cpu`));
      ours += d(`${name}_cpu`) || 0;
    }
    for (const key of ["machine_cpu_pressure", "machine_io_pressure_some", "machine_io_pressure_full"]) sample[`${key}_ms_per_s`] = d(key) / seconds;
    const pg = serverWindow(now.servers.postgres, last.servers.postgres);
    const redis = serverWindow(now.servers.redis, last.servers.redis);
    sample.postgres_run_wait_ms_per_s = pg.waitMs / seconds;
    sample.redis_run_wait_ms_per_s = redis.waitMs / seconds;
    sample.postgres_run_db_cpu_pct = pct(pg.runDbCpuMs);
    sample.postgres_rest_cpu_pct = pct(pg.restCpuMs);
    // Redis has no databases by name: all of its CPU is counted as the rest.
    sample.redis_cpu_pct = pct(redis.restCpuMs);
    for (const ms of [pg.runDbCpuMs, pg.restCpuMs, redis.restCpuMs]) ours += ms || 0;
    sample.other_cpu_pct = pct(Math.max(0, d("busy") - ours));
    sample.machine_steal_pct = (100 * d("steal")) / d("total");
    return sample;
  }
}
