// The soak's per-second probe: soak-sched.ts's readings (CPU by process, run-queue waits, CPU and
// I/O pressure) every second, with the wall clock, to match PostgreSQL's log, and how late this
// process's own timer fired (the publisher runs here). A 30-second window that is late as a whole
// can then be traced to the seconds, and the processes, that made it so. Each row is appended to
// per-second.csv as it is taken: nothing grows in memory however long the soak. The worst second
// of each window goes into the window's series too (worstSeconds()).
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { nowMs } from "./clock.js";
import { csvCell } from "./soak-output.js";
import type { Sample } from "./soak-sample.js";
import { SchedWindow, type SchedTarget } from "./soak-sched.js";

const PERIOD_MS = 1000;

/** Per-second series whose worst second each window keeps, by the name it takes in the window's series. */
const WORST = {
  machine_io_pressure_full_ms_per_s: "io_full_worst_second_ms",
  machine_cpu_pressure_ms_per_s: "cpu_pressure_worst_second_ms",
  worker_run_wait_ms_per_s: "worker_run_wait_worst_second_ms",
} as const;

export class PerSecondProbe {
  private readonly sched: SchedWindow;
  private readonly timer: NodeJS.Timeout;
  private readonly file: string;
  private columns: string[] | undefined;
  private lastAt = nowMs();
  private worst: Sample = {};
  rows = 0;

  constructor(target: SchedTarget, dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, "per-second.csv");
    this.sched = new SchedWindow(target);
    this.timer = setInterval(() => this.take(), PERIOD_MS);
  }

  private take(): void {
    const at = nowMs();
    const seconds = (at - this.lastAt) / 1000;
    this.lastAt = at;
    const row: Sample = { unix_s: Date.now() / 1000, bench_timer_late_ms: seconds * 1000 - PERIOD_MS, ...this.sched.take(seconds) };
    if (!this.columns) {
      this.columns = Object.keys(row);
      writeFileSync(this.file, `${this.columns.join(",")}\n`);
    }
    appendFileSync(this.file, `${this.columns.map((c) => csvCell(row[c])).join(",")}\n`);
    this.rows += 1;
    for (const [from, to] of Object.entries(WORST)) {
      const value = row[from];
      // A second that could not be read (NaN) never replaces one that was.
      if (value !== undefined && Number.isFinite(value) && !(value <= (this.worst[to] ?? Number.NEGATIVE_INFINITY))) this.worst[to] = value;
    }
  }

  /** The worst second of each of WORST's series since the last call (NaN where none was read). */
  worstSeconds(): Sample {
    const out: Sample = Object.fromEntries(Object.values(WORST).map((key) => [key, this.worst[key] ?? Number.NaN]));
    this.worst = {};
    return out;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
