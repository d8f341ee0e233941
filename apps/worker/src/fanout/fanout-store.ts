// The fan-out processor's view of the database: each job loads its event with its matching
// webhooks (or, for an event ingest has just stored, only the webhooks) and writes its delivery
// rows; concurrent jobs share the statements (batches form while earlier ones are in flight).
import { isEventType, subscriptionTypesFor } from "@msr-webhooks/events/types";
import type { LeasedDelivery } from "../attempts/delivery.repository.js";
import { Batcher } from "../shared/batcher.js";
import {
  keysFor,
  type FanoutEvent,
  type MatchedWebhook,
  type NewDelivery,
  type FanoutRepository,
  type DeliveryWrite,
} from "./fanout.repository.js";

export interface LoadedEvent {
  event: FanoutEvent;
  /** Empty unless the event is still pending fan-out. */
  webhooks: MatchedWebhook[];
}

export class FanoutStore {
  private readonly loads: Batcher<string, LoadedEvent | null>;
  private readonly matches: Batcher<FanoutEvent, MatchedWebhook[]>;
  private readonly writes: Batcher<DeliveryWrite, Map<string, LeasedDelivery>>;

  constructor(
    private readonly repository: FanoutRepository,
    options: { maxBatch?: number; lingerMs?: number } = {},
  ) {
    const maxBatch = options.maxBatch ?? 100;
    const lingerMs = options.lingerMs ?? 0;
    this.loads = new Batcher((ids) => this.loadBatch(ids), { maxBatch, maxInFlight: 1, lingerMs });
    this.matches = new Batcher((events) => this.matchBatch(events), { maxBatch, maxInFlight: 1, lingerMs });
    this.writes = new Batcher((reqs) => this.writeBatch(reqs), { maxBatch, maxInFlight: 1, lingerMs });
  }

  load(eventId: string): Promise<LoadedEvent | null> {
    return this.loads.submit(eventId);
  }

  /** The matching webhooks of a pending event already in hand (as ingest stored it): no load. */
  async loadStored(event: FanoutEvent): Promise<LoadedEvent> {
    return { event, webhooks: await this.matches.submit(event) };
  }

  /** Writes the event's rows; returns its leased rows that this write inserted (theirs to attempt), by id. */
  write(eventId: string, rows: readonly NewDelivery[]): Promise<Map<string, LeasedDelivery>> {
    return this.writes.submit({ eventId, rows });
  }

  pendingDeliveryIds(eventId: string): Promise<string[]> {
    return this.repository.pendingDeliveryIds(eventId);
  }

  private async loadBatch(ids: string[]): Promise<(LoadedEvent | null)[]> {
    const events = await this.repository.loadEvents([...new Set(ids)]);
    const matched = await this.matchBatch(events);
    const loaded = new Map(events.map((e, i) => [e.id, { event: e, webhooks: matched[i] ?? [] }]));
    return ids.map((id) => loaded.get(id) ?? null);
  }

  /** Each event's matching webhooks, in input order (none unless it is pending fan-out): one statement. */
  private async matchBatch(events: readonly FanoutEvent[]): Promise<MatchedWebhook[][]> {
    const pending = events.filter((e) => e.status === "pending" && isEventType(e.type));
    const matches =
      pending.length === 0
        ? []
        : await this.repository.matching(
            pending.map((e) => ({
              eventId: e.id,
              types: isEventType(e.type) ? subscriptionTypesFor(e.type, e.contents) : [],
              keys: keysFor(e.namespace, e.repository),
              namespaceId: e.namespaceId,
              repositoryId: e.repositoryId,
            })),
          );
    const byEvent = new Map<string, MatchedWebhook[]>();
    for (const { eventId, ...sub } of matches) {
      const list = byEvent.get(eventId);
      if (list) list.push(sub);
      else byEvent.set(eventId, [sub]);
    }
    return events.map((e) => byEvent.get(e.id) ?? []);
  }

  private async writeBatch(reqs: DeliveryWrite[]): Promise<Map<string, LeasedDelivery>[]> {
    const leased = await this.repository.writeDeliveries(reqs, new Date());
    // Two fan-outs of one event in one batch (a rerun beside ingest's own) wrote the row once: it is
    // the first one's to attempt, never both.
    return reqs.map((r) => {
      const mine = new Map<string, LeasedDelivery>();
      for (const { id } of r.rows) {
        const row = leased.get(id);
        if (row === undefined) continue;
        mine.set(id, row);
        leased.delete(id);
      }
      return mine;
    });
  }
}
