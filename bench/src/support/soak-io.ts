// The soak's I/O per window: the machine's CPU time busy and in I/O wait (/proc/stat), PostgreSQL's WAL
// written (pg_current_wal_lsn), its WAL syncs and their time (pg_stat_wal; the time only with
// track_wal_io_timing on) and its checkpoints (pg_stat_bgwriter). A latency that drifts while these
// climb is the disk's, not the worker's (docs/benchmarks.md, "Soak").
import type pg from "pg";
import { machineJiffies } from "./proc-stats.js";
import type { Sample } from "./soak-sample.js";

interface Reading {
  /** /proc/stat's aggregate cpu line: busy (user, nice, system, irq, softirq, steal), iowait and all jiffies. */
  busy: number;
  iowait: number;
  total: number;
  walBytes: number;
  walSyncs: number;
  /** Milliseconds spent in WAL syncs; NaN when track_wal_io_timing is off (PostgreSQL counts none). */
  walSyncMs: number;
  checkpoints: number;
}

async function read(pool: pg.Pool): Promise<Reading> {
  const { rows } = await pool.query<{ wal: string; checkpoints: string; syncs: string; sync_ms: string | null }>(
    `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS wal, (b.checkpoints_timed + b.checkpoints_req)::text AS checkpoints,
            w.wal_sync::text AS syncs, CASE WHEN current_setting('track_wal_io_timing')::bool THEN w.wal_sync_time::text END AS sync_ms
       FROM pg_stat_bgwriter AS b CROSS JOIN pg_stat_wal AS w`,
  );
  const row = rows[0];
  return {
    ...machineJiffies(),
    walBytes: Number(row?.wal ?? Number.NaN),
    walSyncs: Number(row?.syncs ?? Number.NaN),
    walSyncMs: row?.sync_ms == null ? Number.NaN : Number(row.sync_ms),
    checkpoints: Number(row?.checkpoints ?? Number.NaN),
  };
}

export class IoWindow {
  private last: Reading | undefined;

  constructor(private readonly pool: pg.Pool) {}

  async start(): Promise<void> {
    this.last = await read(this.pool).catch(() => undefined);
  }

  /** The window since the last call: busy and I/O wait shares of all CPU time, WAL MB/s and KB per delivery received, checkpoints. */
  async take(seconds: number, delivered: number): Promise<Sample> {
    const now = await read(this.pool).catch(() => undefined);
    const last = this.last;
    this.last = now;
    if (now === undefined || last === undefined) {
      return {
        machine_busy_pct: Number.NaN,
        machine_iowait_pct: Number.NaN,
        pg_wal_mb_per_s: Number.NaN,
        pg_wal_kb_per_delivery: Number.NaN,
        pg_wal_sync_ms_per_s: Number.NaN,
        pg_wal_sync_ms_each: Number.NaN,
        pg_checkpoints: Number.NaN,
      };
    }
    const wal = now.walBytes - last.walBytes;
    return {
      // Of all cores: 50 on this 2-core machine is one core's worth.
      machine_busy_pct: (100 * (now.busy - last.busy)) / (now.total - last.total),
      machine_iowait_pct: (100 * (now.iowait - last.iowait)) / (now.total - last.total),
      pg_wal_mb_per_s: wal / 1024 / 1024 / seconds,
      pg_wal_kb_per_delivery: delivered > 0 ? wal / 1024 / delivered : Number.NaN,
      // Time in WAL syncs (each commit waits for one): per second of the window, and per sync.
      pg_wal_sync_ms_per_s: (now.walSyncMs - last.walSyncMs) / seconds,
      pg_wal_sync_ms_each: now.walSyncs > last.walSyncs ? (now.walSyncMs - last.walSyncMs) / (now.walSyncs - last.walSyncs) : Number.NaN,
      pg_checkpoints: now.checkpoints - last.checkpoints,
    };
  }
}
