// The soak's I/O per window: the machine's CPU time in I/O wait (/proc/stat), PostgreSQL's WAL
// written (pg_current_wal_lsn) and its checkpoints (pg_stat_bgwriter). A latency that drifts while
// these climb is the disk's, not the worker's (docs/benchmarks.md, "Soak").
import { readFileSync } from "node:fs";
import type pg from "pg";
import type { Sample } from "./soak-sample.js";

interface Reading {
  /** /proc/stat's aggregate cpu line: iowait and all jiffies. */
  iowait: number;
  total: number;
  walBytes: number;
  checkpoints: number;
}

function cpuJiffies(): { iowait: number; total: number } {
  try {
    const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
    return { iowait: fields[4] ?? Number.NaN, total: fields.slice(0, 8).reduce((a, b) => a + b, 0) };
  } catch {
    return { iowait: Number.NaN, total: Number.NaN };
  }
}

async function read(pool: pg.Pool): Promise<Reading> {
  const { rows } = await pool.query<{ wal: string; checkpoints: string }>(
    `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS wal, (checkpoints_timed + checkpoints_req)::text AS checkpoints FROM pg_stat_bgwriter`,
  );
  return { ...cpuJiffies(), walBytes: Number(rows[0]?.wal ?? Number.NaN), checkpoints: Number(rows[0]?.checkpoints ?? Number.NaN) };
}

export class IoWindow {
  private last: Reading | undefined;

  constructor(private readonly pool: pg.Pool) {}

  async start(): Promise<void> {
    this.last = await read(this.pool).catch(() => undefined);
  }

  /** The window since the last call: I/O wait share of all CPU time, WAL MB/s and KB per delivery received, checkpoints. */
  async take(seconds: number, delivered: number): Promise<Sample> {
    const now = await read(this.pool).catch(() => undefined);
    const last = this.last;
    this.last = now;
    if (now === undefined || last === undefined) return { machine_iowait_pct: Number.NaN, pg_wal_mb_per_s: Number.NaN, pg_wal_kb_per_delivery: Number.NaN, pg_checkpoints: Number.NaN };
    const wal = now.walBytes - last.walBytes;
    return {
      machine_iowait_pct: (100 * (now.iowait - last.iowait)) / (now.total - last.total),
      pg_wal_mb_per_s: wal / 1024 / 1024 / seconds,
      pg_wal_kb_per_delivery: delivered > 0 ? wal / 1024 / delivered : Number.NaN,
      pg_checkpoints: now.checkpoints - last.checkpoints,
    };
  }
}
