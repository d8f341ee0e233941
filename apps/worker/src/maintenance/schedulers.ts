// The repeatable maintenance jobs. Re-checked on a timer by every worker: a Redis flush takes the
// schedulers with it, and without them nothing would ever reconcile again.
import type { Queue } from "bullmq";
import type { MaintenanceJobName } from "@msr-webhooks/queue/names";

export interface MaintenanceSchedule {
  reconcileIntervalMs: number;
  purgeIntervalMs: number;
}

export async function ensureSchedulers(queue: Queue, schedule: MaintenanceSchedule, now: number = Date.now()): Promise<number> {
  const wanted: [MaintenanceJobName, number][] = [
    ["reconcile", schedule.reconcileIntervalMs],
    ["purge", schedule.purgeIntervalMs],
  ];
  let upserted = 0;
  for (const [name, every] of wanted) {
    const existing = await queue.getJobScheduler(name);
    // A scheduler whose next run is long overdue lost its pending job: upserting re-creates it.
    const stale = existing?.next !== undefined && existing.next < now - 2 * every - 5000;
    if (existing === undefined || existing.every !== every || stale) {
      await queue.upsertJobScheduler(name, { every }, { name, opts: { removeOnComplete: true, removeOnFail: 100 } });
      upserted += 1;
    }
  }
  return upserted;
}
