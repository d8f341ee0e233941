// What the kernel says about a process: peak and current resident memory (VmHWM, VmRSS from
// /proc/<pid>/status) and CPU time spent (utime + stime from /proc/<pid>/stat); and about the
// machine: the CPU time of all cores (/proc/stat).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export interface MemoryStatus {
  peakRssMb: number;
  rssMb: number;
}

/** null once the process is gone. */
export function memoryOf(pid: number): MemoryStatus | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return null;
  }
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? "0");
  return { peakRssMb: kb("VmHWM") / 1024, rssMb: kb("VmRSS") / 1024 };
}

/**
 * /proc/<pid>/stat's fields from the state on (field 3 is [0]), or, with `tid`, those of one of its
 * threads (/proc/<pid>/task/<tid>/stat); null once the process (or the thread) is gone.
 */
function statFields(pid: number, tid?: number): string[] | null {
  let text: string;
  try {
    text = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  return text.slice(text.lastIndexOf(")") + 2).split(" ");
}

/** Clock ticks (/proc/stat, /proc/<pid>/stat) in milliseconds. */
export const ticksToMs = (...ticks: (string | number | undefined)[]): number => (ticks.reduce<number>((s, t) => s + Number(t), 0) * 1000) / clockTicks();

/**
 * CPU milliseconds (user + system) the process has used so far, or, with `tid`, one of its threads;
 * null once it is gone.
 */
export function cpuMsOf(pid: number, tid?: number): number | null {
  const fields = statFields(pid, tid);
  return fields ? ticksToMs(fields[11], fields[12]) : null;
}

/**
 * CPU milliseconds of the process's main thread alone (its thread id is its pid): for Node.js, the
 * JavaScript thread, without V8's helper threads (garbage collection, compilation) and libuv's pool.
 */
export const mainThreadCpuMsOf = (pid: number): number | null => cpuMsOf(pid, pid);

/**
 * From one read of /proc/<pid>/stat: the process's own CPU milliseconds (as cpuMsOf), its parent,
 * and the CPU milliseconds of its children that have ended and been waited for (cutime + cstime):
 * a server's backends that came and went. null once it is gone.
 */
export function reapedOf(pid: number): { cpuMs: number; parent: number; reapedCpuMs: number } | null {
  const fields = statFields(pid);
  return fields ? { cpuMs: ticksToMs(fields[11], fields[12]), parent: Number(fields[1]), reapedCpuMs: ticksToMs(fields[13], fields[14]) } : null;
}

/** Samples memory every intervalMs; peak() also reads VmHWM, which the kernel keeps exactly. */
export class MemoryWatch {
  private readonly timer: NodeJS.Timeout;
  private maxRss = 0;

  constructor(
    private readonly pid: number,
    intervalMs = 250,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): MemoryStatus | null {
    const m = memoryOf(this.pid);
    if (m) this.maxRss = Math.max(this.maxRss, m.rssMb, m.peakRssMb);
    return m;
  }

  /** Peak resident set size in MB since the process started. */
  peak(): number {
    this.sample();
    return this.maxRss;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export interface MachineJiffies {
  /** user, nice, system, irq, softirq and steal. */
  busy: number;
  iowait: number;
  /** Time the hypervisor gave this machine's wanting cores to someone else (part of busy). */
  steal: number;
  /** Every state, idle included. */
  total: number;
}

/** /proc/stat's aggregate cpu line, in clock ticks of all cores; NaN where it cannot be read. */
export function machineJiffies(): MachineJiffies {
  try {
    const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , iowait = Number.NaN, irq = 0, softirq = 0, steal = 0] = fields;
    return { busy: user + nice + system + irq + softirq + steal, iowait, steal, total: fields.slice(0, 8).reduce((a, b) => a + b, 0) };
  } catch {
    return { busy: Number.NaN, iowait: Number.NaN, steal: Number.NaN, total: Number.NaN };
  }
}
