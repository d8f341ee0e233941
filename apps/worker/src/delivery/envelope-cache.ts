// The delivered body of an event, serialized once and shared by all its deliveries and retries.
import { serializeStoredEnvelope } from "@msr-webhooks/events/envelope";
import { formatGoTime } from "@msr-webhooks/events/go-time";
import type { EventType } from "@msr-webhooks/events/types";
import { LruCache } from "../shared/lru-cache.js";

export interface EnvelopeSource {
  eventId: string;
  eventType: string;
  eventCreatedAt: Date;
  /** The createdAt as the producer gave it; null on events stored before it was kept. */
  eventCreatedAtText: string | null;
  /** The contents as stored (the producer's JSON text). */
  contentsJson: string;
  location: string | null;
}

export class EnvelopeCache {
  private readonly bodies: LruCache<string, string>;

  constructor(capacity: number) {
    this.bodies = new LruCache(capacity);
  }

  /** The exact bytes to send (and sign) for this event: the stored contents text spliced in unchanged. */
  bodyFor(source: EnvelopeSource): string {
    let body = this.bodies.get(source.eventId);
    if (body === undefined) {
      body = serializeStoredEnvelope({
        // Only validated events are stored as deliverable, so the type is one of ours.
        type: source.eventType as EventType,
        createdAt: source.eventCreatedAtText ?? formatGoTime(source.eventCreatedAt),
        contentsJson: source.contentsJson,
        location: source.location,
      });
      this.bodies.set(source.eventId, body);
    }
    return body;
  }
}
