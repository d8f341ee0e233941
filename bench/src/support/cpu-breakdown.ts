// Where a run's CPU went, per delivery: the machine's busy time (/proc/stat) split into the worker
// processes, the receiver, redis-server, every postgres process, this bench process, and the rest
// (other programs on the machine, interrupts). All in µs of CPU per delivery. Each group of
// processes the bench started also has its main threads' part (MAIN_THREAD): what the JavaScript
// thread itself spent, the rest being V8's helper threads (garbage collection, compilation) and
// libuv's pool. It tells whether a process is bound by its one thread or by the machine.
import { readdirSync, readFileSync } from "node:fs";
import { cpuMsOf, machineJiffies, mainThreadCpuMsOf, reapedOf } from "./proc-stats.js";

export type CpuGroups = Record<string, number>;

/** The suffix of a group's part that is its processes' main threads (a part, not a group of its own). */
export const MAIN_THREAD = " (main thread)";

const isPart = (key: string): boolean => key.endsWith(MAIN_THREAD);

function machineBusyMs(): number {
  // Jiffies of all cores; USER_HZ is 100 on Linux.
  return machineJiffies().busy * 10;
}

function commandOf(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

function commandLineOf(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
}

/**
 * CPU ms of every process whose command is `name`, split by whether its command line mentions
 * `mark`, plus, in `rest`, what its processes that ended have used: a server's root (the one whose
 * parent is not `name`, e.g. the postmaster) is credited with its reaped children's CPU (cutime +
 * cstime). Without that, a backend that ended between two snapshots took its CPU out of the second
 * one, and a delta could come out below zero (the fairness run's "postgres -31 ms/s").
 */
export function cpuOfCommand(name: string, mark?: string): { marked: number; rest: number } {
  const sum = { marked: 0, rest: 0 };
  const pids = readdirSync("/proc").filter((pid) => /^\d+$/.test(pid) && commandOf(pid) === name);
  const named = new Set(pids.map(Number));
  for (const pid of pids) {
    const stat = reapedOf(Number(pid));
    if (stat === null) continue;
    // A postgres backend's title names its database: "postgres: 15/main: postgres <db> 127.0.0.1(port) idle".
    if (mark !== undefined && commandLineOf(pid).includes(mark)) sum.marked += stat.cpuMs;
    else sum.rest += stat.cpuMs;
    if (!named.has(stat.parent)) sum.rest += stat.reapedCpuMs;
  }
  return sum;
}

/**
 * `database`: the run's own database, whose backends are counted apart from the rest of postgres
 * (other databases' backends, WAL writer, checkpointer). A backend that exits between two snapshots
 * moves its CPU time into the rest (cpuOfCommand), so the sum of the two stays right. `redisUrl`: the
 * run's Redis; with the shared instance, other programs' Redis work is counted in too.
 */
export function cpuSnapshot(pids: Record<string, readonly number[]>, where: { database?: string; redisUrl?: string } = {}): CpuGroups {
  const pg = cpuOfCommand("postgres", where.database);
  // redis-server's title carries its address ("redis-server 127.0.0.1:6379"): a private instance is told apart.
  const redisAddress = where.redisUrl ? new URL(where.redisUrl).host : undefined;
  const redis = cpuOfCommand("redis-server", redisAddress);
  const groups: CpuGroups = {
    machine: machineBusyMs(),
    "redis-server (run)": redis.marked,
    "redis-server (rest)": redis.rest,
    "postgres (run db)": pg.marked,
    "postgres (rest)": pg.rest,
  };
  for (const [name, list] of Object.entries(pids)) {
    groups[name] = list.reduce((s, pid) => s + (cpuMsOf(pid) ?? 0), 0);
    groups[name + MAIN_THREAD] = list.reduce((s, pid) => s + (mainThreadCpuMsOf(pid) ?? 0), 0);
  }
  groups.bench = cpuMsOf(process.pid) ?? 0;
  return groups;
}

/** µs of CPU per delivery for each group (and part) between two snapshots, plus "other" = machine - the named groups. */
export function perDelivery(before: CpuGroups, after: CpuGroups, deliveries: number): CpuGroups {
  const out: CpuGroups = {};
  let named = 0;
  for (const key of Object.keys(after)) {
    const d = Math.max(0, (after[key] ?? 0) - (before[key] ?? 0));
    out[key] = (d * 1000) / deliveries;
    if (key !== "machine" && !isPart(key)) named += d;
  }
  out.other = Math.max(0, (((after.machine ?? 0) - (before.machine ?? 0)) - named) * 1000) / deliveries;
  return out;
}

/** "worker 650 (main thread 420), receiver 45, ...": each part in brackets after its group. */
export function formatBreakdown(b: CpuGroups): string {
  return Object.entries(b)
    .filter(([k]) => !isPart(k))
    .map(([k, v]) => {
      const main = b[k + MAIN_THREAD];
      return `${k} ${Math.round(v)}${main === undefined ? "" : ` (main thread ${Math.round(main)})`}`;
    })
    .join(", ");
}
