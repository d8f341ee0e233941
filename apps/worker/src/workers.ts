// Starts the BullMQ workers (ingest, fan-out, delivery, maintenance; or the roles asked for) over one
// set of deps, keeps the maintenance schedulers alive, and stops everything within a grace period.
import { Worker, type Processor, type WorkerOptions } from "bullmq";
import { QUEUE_NAMES, type QueueName } from "@msr-webhooks/queue/names";
import type { WorkerDeps } from "./deps.js";
import { deliveryBackoffStrategy } from "./attempts/delivery-job.js";
import { DeliveryStore } from "./attempts/delivery-store.js";
import { DeliveryRepository } from "./attempts/delivery.repository.js";
import { createDeliveryProcessor } from "./attempts/delivery.processor.js";
import { InlineAttempts } from "./attempts/inline-attempts.js";
import { FanoutStore } from "./fanout/fanout-store.js";
import { createFanout } from "./fanout/fanout.processor.js";
import { FanoutRepository } from "./fanout/fanout.repository.js";
import { EventRepository } from "./ingest/event.repository.js";
import { IngestStore } from "./ingest/ingest-store.js";
import { meteredIngest } from "./ingest/ingest-metrics.js";
import { createIngestProcessor } from "./ingest/ingest.processor.js";
import { createMaintenanceProcessor } from "./maintenance/maintenance.processor.js";
import { Purger } from "./maintenance/purge.service.js";
import { Reconciler } from "./maintenance/reconcile.service.js";
import { ensureSchedulers } from "./maintenance/schedulers.js";
import { DeferralCounts } from "./isolation/deferral-counts.js";
import { parkingSettings } from "./isolation/gate-settings.js";
import { OwnerSlots, ownerCap, TRANSIT_MS } from "./isolation/owner-slots.js";
import { OwnerBacklog } from "./isolation/owner-backlog.js";
import { Parking } from "./isolation/parking.js";
import { ArrivalParking } from "./isolation/arrival-parking.js";
import { RefusalHints } from "./isolation/refusal-hints.js";
import { errorMessage } from "@msr-webhooks/observability/logger";

/** How often the delivery worker logs how many jobs it deferred, by reason (when it deferred any). */
const DEFERRAL_LOG_INTERVAL_MS = 10_000;

export interface RunningWorkers {
  workers: Worker[];
  /** Stops taking jobs and waits for those in flight; false when the grace period ran out first. */
  close(graceMs: number): Promise<boolean>;
}

/** The kinds of BullMQ workers a thread can run. */
export type WorkerRole = "ingest" | "fanout" | "delivery" | "maintenance";
const ALL_ROLES: readonly WorkerRole[] = ["ingest", "fanout", "delivery", "maintenance"];

export async function startWorkers(deps: WorkerDeps, roles: readonly WorkerRole[] = ALL_ROLES): Promise<RunningWorkers> {
  const { config, log, sql, queues } = deps;
  const deferrals = new DeferralCounts();
  let stopDeferralLog = (): void => undefined;
  const parking = parkingSettings(config);
  // This thread's delivery slots per owner, its parked attempts and what the gate last refused:
  // shared by its delivery worker and, in the same thread, its fan-out, which parks arrivals on them.
  const ownerSlots = ownerCap(config.isolation.ownerMaxShare, config.concurrency.delivery);
  const owners = new OwnerSlots(ownerSlots, parking?.maxWaiters ?? 0, parking ? parking.firstWaitMs / ownerSlots : undefined, {
    waitMs: config.isolation.ownerHoldWaitMs,
    threadSlots: config.concurrency.delivery,
  });
  const parked = parking ? new Parking(parking, sql, queues.delivery, log, deferrals) : undefined;
  const hints = new RefusalHints();
  const refusing = (endpoint: string): boolean => hints.refusing(endpoint);
  const backlog = parked ? new OwnerBacklog(sql, owners, parked, refusing, log) : undefined;
  const arrivals =
    parked && roles.includes("delivery") ? new ArrivalParking({ parking: parked, owners, threadSlots: config.concurrency.delivery, hints, gate: deps.gate, counts: deferrals }) : undefined;

  const common = (concurrency: number): WorkerOptions => ({
    connection: deps.redis,
    prefix: config.queuePrefix,
    concurrency,
    lockDuration: config.bullmq.lockDurationMs,
    stalledInterval: config.bullmq.stalledIntervalMs,
    maxStalledCount: config.bullmq.maxStalledCount,
  });

  const start = (queue: QueueName, processor: Processor, options: WorkerOptions): Worker => {
    const worker = new Worker(queue, processor, options);
    // An 'error' without a listener would crash the process; Redis hiccups are logged and survived.
    worker.on("error", (err) => log.error("worker error", { queue, error: errorMessage(err) }));
    return worker;
  };

  // One delivery processor per thread: its BullMQ worker's, and the fan-out's for first attempts made without a job.
  const delivery = roles.includes("delivery")
    ? createDeliveryProcessor({
        store: new DeliveryStore(new DeliveryRepository(sql), {
          dueToleranceMs: 1000,
          autoDisableAfterMs: config.autoDisableAfterMs,
          lingerMs: config.dbBatchLingerMs,
        }),
        deliveryQueue: queues.delivery,
        client: deps.client,
        envelopes: deps.envelopes,
        gate: deps.gate,
        log,
        retry: config.retry,
        userAgent: deps.userAgent,
        metrics: deps.metrics,
        // This thread's slots (config is already its share of DELIVERY_CONCURRENCY, see threadShare).
        fairness: { owners, retryMs: config.isolation.busyRetryMs, ...(backlog ? { backlog } : {}) },
        openCircuitMaxAgeMs: config.isolation.openCircuitMaxAgeMs,
        deferrals,
        hints,
        ...(parked ? { parking: parked } : {}),
      })
    : undefined;
  const inline =
    delivery && config.concurrency.inlineFirstAttempts > 0
      ? new InlineAttempts(delivery, {
          max: config.concurrency.inlineFirstAttempts,
          queueBytes: config.concurrency.inlineQueueBytes,
          attemptTimeoutMs: config.delivery.totalTimeoutMs,
          owners,
          log,
          ...(deps.metrics ? { metrics: deps.metrics } : {}),
        })
      : undefined;

  // One fan-out (its batches shared) for the fan-out queue and for ingest, which fans out what it stores.
  const fanout = createFanout({
    accessSql: sql,
    store: new FanoutStore(new FanoutRepository(sql), { lingerMs: config.dbBatchLingerMs }),
    deliveryQueue: queues.delivery,
    retry: config.retry,
    log,
    ...(arrivals ? { arrivals } : {}),
    ...(inline ? { inline } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  });

  const makers: Record<WorkerRole, () => Worker> = {
    ingest: () =>
      start(
        QUEUE_NAMES.ingest,
        meteredIngest(
          createIngestProcessor({
            events: new IngestStore(new EventRepository(sql), { lingerMs: config.dbBatchLingerMs }),
            fanoutQueue: queues.fanout,
            fanOut: fanout.fanOut,
            log,
            producerDedupeWindowMs: config.producerDedupeWindowMs,
          }),
          deps.metrics,
        ),
        common(config.concurrency.ingest),
      ),
    fanout: () => start(QUEUE_NAMES.fanout, fanout.processor, common(config.concurrency.fanout)),
    delivery: () => {
      if (delivery === undefined) throw new Error("the delivery processor is made for a thread with the delivery role only");
      return start(QUEUE_NAMES.delivery, delivery, { ...common(config.concurrency.delivery), settings: { backoffStrategy: deliveryBackoffStrategy(config.retry) } });
    },
    maintenance: () =>
      start(
        QUEUE_NAMES.maintenance,
        createMaintenanceProcessor(
          new Reconciler({
            sql,
            fanoutQueue: queues.fanout,
            deliveryQueue: queues.delivery,
            retry: config.retry,
            log,
            minAgeMs: config.maintenance.reconcileMinAgeMs,
          }),
          new Purger(sql, config.maintenance.retentionMs, log),
        ),
        common(1),
      ),
  };
  const workers = roles.map((role) => makers[role]());
  if (roles.includes("delivery")) stopDeferralLog = deferrals.logEvery(DEFERRAL_LOG_INTERVAL_MS, log);
  // Owner waiters whose freed slot nobody took here (woken into another worker, passed over, a lost
  // wake-up), and backlogs past the waiters' bound whose lookup after a release failed or was not due.
  let refill: NodeJS.Timeout | undefined;
  if (parked && backlog && roles.includes("delivery")) {
    refill = setInterval(() => {
      for (const next of owners.refill(refusing)) parked.wake(next.id, next.until);
      backlog.findAll();
    }, TRANSIT_MS);
    refill.unref();
  }

  let watchdog: NodeJS.Timeout | undefined;
  if (roles.includes("maintenance")) {
    const schedule = {
      reconcileIntervalMs: config.maintenance.reconcileIntervalMs,
      purgeIntervalMs: config.maintenance.purgeIntervalMs,
    };
    await ensureSchedulers(queues.maintenance, schedule);
    watchdog = setInterval(() => {
      ensureSchedulers(queues.maintenance, schedule)
        .then((n) => {
          if (n > 0) log.warn("maintenance schedulers were missing and have been restored", { count: n });
        })
        .catch((err: unknown) => log.error("cannot check maintenance schedulers", { error: errorMessage(err) }));
    }, config.maintenance.reconcileIntervalMs);
    watchdog.unref();
  }

  return {
    workers,
    async close(graceMs) {
      clearInterval(watchdog);
      clearInterval(refill);
      stopDeferralLog();
      // First attempts queued in memory are handed to their jobs at once: none starts during the grace period.
      inline?.closeQueue();
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      });
      const deadline = Date.now() + graceMs;
      // close() stops fetching at once and resolves when the jobs in flight have finished.
      const finished = Promise.all(workers.map((w) => w.close())).then(() => true as const);
      const clean = await Promise.race([finished, expired]);
      clearTimeout(timer);
      // Then no fan-out starts a first attempt here: those in flight get what is left of the grace period.
      const inlineClean = inline ? await inline.drain(Math.max(0, deadline - Date.now())) : true;
      return clean && inlineClean;
    },
  };
}
