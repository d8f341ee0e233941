// The delivery processor's view of the database: one load and one record per attempt, gathered
// into batches (one statement, one commit for many attempts) while earlier batches are in flight.
import { Batcher } from "../shared/batcher.js";
import {
  type AttemptRecord,
  type DeliveryRepository,
  type DeliveryState,
  type DueDelivery,
  type UnattemptedEnd,
  type WebhookAfterAttempt,
} from "./delivery.repository.js";

export interface DeliveryStoreOptions {
  /** A delivery counts as due this much before nextAttemptAt, so clock skew between workers never stalls a job. */
  dueToleranceMs: number;
  autoDisableAfterMs: number;
  maxBatch?: number;
  lingerMs?: number;
}

/** The webhook after a recorded attempt; `gone` when it was deleted meanwhile. */
export type RecordedWebhook = (WebhookAfterAttempt & { gone: false }) | { gone: true };

function formatDuration(ms: number): string {
  const days = ms / 86_400_000;
  if (Number.isInteger(days)) return `${days} day${days === 1 ? "" : "s"}`;
  return `${Math.round(ms / 1000)} s`;
}

/** Each id's row (null when none came back), in the order asked. */
function inOrder(ids: readonly string[], rows: readonly DueDelivery[]): (DueDelivery | null)[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id) ?? null);
}

export class DeliveryStore {
  private readonly loads: Batcher<string, DueDelivery | null>;
  private readonly records: Batcher<AttemptRecord, RecordedWebhook>;
  private readonly postpones: Batcher<{ deliveryId: string; retryAt: Date }, true>;
  private readonly autoDisableReason: string;

  constructor(
    private readonly repository: DeliveryRepository,
    private readonly options: DeliveryStoreOptions,
  ) {
    const maxBatch = options.maxBatch ?? 200;
    const lingerMs = options.lingerMs ?? 0;
    this.autoDisableReason = `no successful delivery for ${formatDuration(options.autoDisableAfterMs)}; disabled automatically`;
    this.loads = new Batcher((ids) => this.loadBatch(ids), { maxBatch, maxInFlight: 1, lingerMs });
    // One record batch at a time per process: batches never wait on each other's webhook row locks.
    this.records = new Batcher((rs) => this.recordBatch(rs), { maxBatch, maxInFlight: 1, lingerMs });
    this.postpones = new Batcher((ps) => this.postponeBatch(ps), { maxBatch, maxInFlight: 1, lingerMs });
  }

  /** The delivery with its webhook and event when it is open, due and its webhook active; null otherwise. */
  loadDue(deliveryId: string): Promise<DueDelivery | null> {
    return this.loads.submit(deliveryId);
  }

  record(record: AttemptRecord): Promise<RecordedWebhook> {
    return this.records.submit(record);
  }

  state(deliveryId: string): Promise<DeliveryState | null> {
    return this.repository.state(deliveryId);
  }

  finishWithoutAttempt(deliveryId: string, status: UnattemptedEnd, reason: string): Promise<boolean> {
    return this.repository.finishWithoutAttempt(deliveryId, status, reason, new Date());
  }

  /** Batched: a dead endpoint's deliveries are deferred by the hundred. */
  async postpone(deliveryId: string, retryAt: Date): Promise<void> {
    await this.postpones.submit({ deliveryId, retryAt });
  }

  private async postponeBatch(items: { deliveryId: string; retryAt: Date }[]): Promise<true[]> {
    // A delivery twice in one batch (a duplicate job): its latest deferral wins.
    const latest = new Map(items.map((i) => [i.deliveryId, i]));
    await this.repository.postponeMany([...latest.values()], new Date());
    return items.map(() => true as const);
  }

  private async loadBatch(ids: string[]): Promise<(DueDelivery | null)[]> {
    const dueBy = new Date(Date.now() + this.options.dueToleranceMs);
    return inOrder(ids, await this.repository.loadDue([...new Set(ids)], dueBy));
  }

  private async recordBatch(records: AttemptRecord[]): Promise<RecordedWebhook[]> {
    const now = new Date();
    const cutoff = new Date(now.getTime() - this.options.autoDisableAfterMs);
    const webhooks = await this.repository.recordMany(records, { cutoff, reason: this.autoDisableReason }, now);
    const byId = new Map(webhooks.map((w) => [w.id, w]));
    return records.map((r) => {
      const w = byId.get(r.webhookId);
      return w === undefined ? { gone: true } : { ...w, gone: false };
    });
  }
}
