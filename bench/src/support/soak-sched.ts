// The soak's CPU scheduling per window: was a late window one where our processes waited for a core,
// or where the machine itself was taken away? Read from the kernel, not from the processes:
// - the time each process's main thread was runnable but waited for a core (/proc/<pid>/schedstat's
//   second field): the worker's event loop, the API's, the receiver's, and all of PostgreSQL's and
//   Redis's processes summed;
// - the machine's CPU pressure (/proc/pressure/cpu, "some": time at least one task waited) and I/O
//   pressure (/proc/pressure/io, "some" and "full");
// - steal (/proc/stat): time the hypervisor ran something else while a core of this machine wanted to run.
// Each is NaN where the kernel does not offer it (no PSI, no schedstat).
import { readdirSync, readFileSync } from "node:fs";
import { machineJiffies } from "./proc-stats.js";
import type { Sample } from "./soak-sample.js";

/** Processes whose every instance is summed, by /proc/<pid>/comm's start. */
const BY_NAME = { postgres: "postgres", redis: "redis-server" } as const;

function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** Nanoseconds the thread has waited on a run queue so far; null once it is gone. */
function runWaitNs(pid: number | string): number | null {
  const text = readText(`/proc/${pid}/schedstat`);
  const wait = text === null ? Number.NaN : Number(text.trim().split(/\s+/)[1]);
  return Number.isFinite(wait) ? wait : null;
}

/** Run-queue wait (ms) of every process whose name starts with one of BY_NAME's, by key, then by pid. */
function waitsByName(): Record<keyof typeof BY_NAME, Map<string, number>> {
  const out = { postgres: new Map<string, number>(), redis: new Map<string, number>() };
  let pids: string[] = [];
  try {
    pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    // No /proc: the sums stay empty.
  }
  for (const pid of pids) {
    const comm = readText(`/proc/${pid}/comm`)?.trim() ?? "";
    for (const [key, name] of Object.entries(BY_NAME) as [keyof typeof BY_NAME, string][]) {
      const ns = comm.startsWith(name) ? runWaitNs(pid) : null;
      if (ns !== null) out[key].set(pid, ns / 1e6);
    }
  }
  return out;
}

/**
 * The wait added since `last`, summed over processes: a process that started since counts from zero; one
 * that ended since is missed for the part of the window it lived (PostgreSQL's backends come and go).
 */
function addedWait(now: Map<string, number>, last: Map<string, number> | undefined): number {
  if (now.size === 0) return Number.NaN;
  let sum = 0;
  for (const [pid, ms] of now) sum += ms - (last?.get(pid) ?? 0);
  return sum;
}

/** PSI's cumulative stall microseconds: "some" and "full" of one resource (NaN without PSI). */
function pressure(resource: "cpu" | "io"): { some: number; full: number } {
  const text = readText(`/proc/pressure/${resource}`) ?? "";
  const total = (kind: string): number => Number(new RegExp(`^${kind} .*total=(\\d+)`, "m").exec(text)?.[1] ?? Number.NaN);
  return { some: total("some"), full: total("full") };
}

interface Reading {
  /** Cumulative ms: run-queue waits of the named processes, PSI stalls, steal and all jiffies. */
  totals: Record<string, number>;
  byName: Record<keyof typeof BY_NAME, Map<string, number>>;
}

function read(pids: Record<string, number>): Reading {
  const reading: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) reading[`${name}_run_wait`] = (runWaitNs(pid) ?? Number.NaN) / 1e6;
  const cpu = pressure("cpu");
  const io = pressure("io");
  reading.machine_cpu_pressure = cpu.some / 1000;
  reading.machine_io_pressure_some = io.some / 1000;
  reading.machine_io_pressure_full = io.full / 1000;
  const jiffies = machineJiffies();
  reading.steal = jiffies.steal;
  reading.total = jiffies.total;
  return { totals: reading, byName: waitsByName() };
}

export class SchedWindow {
  private last: Reading;

  /** `pids`: the processes whose main thread is read, by the name their series take. */
  constructor(private readonly pids: Record<string, number>) {
    this.last = read(pids);
  }

  /** Milliseconds waited (or stalled) per second of the window, and steal as a share of all CPU time. */
  take(seconds: number): Sample {
    const now = read(this.pids);
    const last = this.last;
    this.last = now;
    const sample: Sample = {};
    const d = (key: string): number => (now.totals[key] ?? Number.NaN) - (last.totals[key] ?? Number.NaN);
    for (const key of Object.keys(now.totals)) if (key !== "steal" && key !== "total") sample[`${key}_ms_per_s`] = d(key) / seconds;
    for (const key of Object.keys(BY_NAME) as (keyof typeof BY_NAME)[]) {
      sample[`${key}_run_wait_ms_per_s`] = addedWait(now.byName[key], last.byName[key]) / seconds;
    }
    sample.machine_steal_pct = (100 * d("steal")) / d("total");
    return sample;
  }
}
