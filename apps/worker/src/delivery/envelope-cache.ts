// The delivered body of an event, serialized once and shared by all its deliveries and retries.
import { buildEnvelope, serializeEnvelope } from "@msr-webhooks/events/envelope";
import type { EventType } from "@msr-webhooks/events/types";
import { LruCache } from "../shared/lru-cache.js";

export interface EnvelopeSource {
  eventId: string;
  eventType: string;
  eventCreatedAt: Date;
  /** The contents as stored (JSON text). */
  contentsJson: string;
  location: string | null;
}

export class EnvelopeCache {
  private readonly bodies: LruCache<string, string>;

  constructor(capacity: number) {
    this.bodies = new LruCache(capacity);
  }

  /** The exact bytes to send (and sign) for this event. */
  bodyFor(source: EnvelopeSource): string {
    let body = this.bodies.get(source.eventId);
    if (body === undefined) {
      // Only validated events are stored as deliverable, so the type is one of ours.
      body = serializeEnvelope(
        buildEnvelope({
          type: source.eventType as EventType,
          createdAt: source.eventCreatedAt,
          contents: JSON.parse(source.contentsJson) as object,
          location: source.location,
        }),
      );
      this.bodies.set(source.eventId, body);
    }
    return body;
  }
}
