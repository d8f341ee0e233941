// The ingest processor's view of the database: events of concurrent jobs are inserted together
// (one statement while the previous one is in flight).
import { Batcher } from "../shared/batcher.js";
import type { EventRepository, ExistingEvent, NewEventRow } from "./event.repository.js";

export class IngestStore {
  private readonly inserts: Batcher<NewEventRow, boolean>;

  constructor(
    private readonly repository: EventRepository,
    options: { maxBatch?: number; lingerMs?: number } = {},
  ) {
    const maxBatch = options.maxBatch ?? 100;
    const lingerMs = options.lingerMs ?? 0;
    this.inserts = new Batcher((rows) => this.insertBatch(rows), { maxBatch, maxInFlight: 1, lingerMs });
  }

  /** True when the row was written; false when its id or producer id is already taken. */
  insert(row: NewEventRow): Promise<boolean> {
    return this.inserts.submit(row);
  }

  conflicting(id: string, producerId: string | null): Promise<ExistingEvent[]> {
    return this.repository.conflicting(id, producerId);
  }

  releaseProducerId(eventId: string, producerId: string): Promise<boolean> {
    return this.repository.releaseProducerId(eventId, producerId);
  }

  private async insertBatch(rows: NewEventRow[]): Promise<boolean[]> {
    // ON CONFLICT DO NOTHING also settles two rows of one batch with the same producer id: one gets in.
    const inserted = await this.repository.insertMany(rows);
    return rows.map((r) => inserted.has(r.id));
  }
}
