// The maintenance queue's jobs: `reconcile` and `purge`, each run by one worker per tick.
import type { Job } from "bullmq";
import type { MaintenanceJobName } from "@msr-webhooks/queue/names";
import type { PurgeResult, Purger } from "./purge.service.js";
import type { ReconcileResult, Reconciler } from "./reconcile.service.js";

export function createMaintenanceProcessor(reconciler: Reconciler, purger: Purger) {
  return async function processMaintenance(job: Job): Promise<ReconcileResult | PurgeResult> {
    const name = job.name as MaintenanceJobName;
    switch (name) {
      case "reconcile":
        return reconciler.run();
      case "purge":
        return purger.run();
      default:
        throw new Error(`unknown maintenance job "${String(job.name)}"`);
    }
  };
}
