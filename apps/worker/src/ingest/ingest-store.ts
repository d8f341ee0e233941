// The ingest processor's view of the database: events of concurrent jobs are stored together
// (one statement while the previous one is in flight).
import type { StoreResult } from "@msr-webhooks/db/event-store";
import { Batcher } from "../shared/batcher.js";
import type { EventRepository, NewEventRow } from "./event.repository.js";

interface Pending {
  row: NewEventRow;
  dedupeWindowMs: number;
}

export class IngestStore {
  private readonly stores: Batcher<Pending, StoreResult>;

  constructor(
    private readonly repository: EventRepository,
    options: { maxBatch?: number; lingerMs?: number } = {},
  ) {
    const maxBatch = options.maxBatch ?? 100;
    const lingerMs = options.lingerMs ?? 0;
    this.stores = new Batcher((items) => this.storeBatch(items), { maxBatch, maxInFlight: 1, lingerMs });
  }

  /** Stores the row, or says which event already holds its id or producer id. */
  store(row: NewEventRow, dedupeWindowMs: number): Promise<StoreResult> {
    return this.stores.submit({ row, dedupeWindowMs });
  }

  private async storeBatch(items: Pending[]): Promise<StoreResult[]> {
    // One processor, one window: a batch of mixed windows (none today) is stored per window.
    const windows = [...new Set(items.map((i) => i.dedupeWindowMs))];
    const results = new Map<Pending, StoreResult>();
    for (const window of windows) {
      const group = items.filter((i) => i.dedupeWindowMs === window);
      const stored = await this.repository.store(group.map((i) => i.row), window);
      group.forEach((item, k) => {
        const result = stored[k];
        if (result !== undefined) results.set(item, result);
      });
    }
    return items.map((i) => {
      const result = results.get(i);
      if (result === undefined) throw new Error(`no store result for event ${i.row.id}`);
      return result;
    });
  }
}
