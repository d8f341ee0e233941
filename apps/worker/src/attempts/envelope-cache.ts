// The delivered body of an event, serialized once and shared by all its deliveries and retries, and
// the request of one delivery in its webhook's payload format (msr: that body as is; cloudevents,
// slack, teams: built from the same event at send time, packages/delivery/src/formats).
import { formatRequest } from "@msr-webhooks/delivery/formats/format-request";
import { DEFAULT_SETTINGS, type EffectiveSettings } from "@msr-webhooks/delivery/formats/settings";
import type { DeliveryRequest } from "@msr-webhooks/delivery/request";
import { serializeStoredEnvelope } from "@msr-webhooks/events/envelope";
import { formatGoTime } from "@msr-webhooks/events/go-time";
import type { EventType } from "@msr-webhooks/events/types";
import { LruCache } from "../shared/lru-cache.js";
import type { WebhookSettingsSource } from "./webhook-settings.repository.js";

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

export interface RequestSource extends EnvelopeSource {
  /** The delivery's id: webhook-id and the CloudEvents id. */
  id: string;
}

export interface SigningInput {
  secrets: readonly string[];
  timestamp: number;
  userAgent: string;
}

export interface FormatOptions {
  settings: WebhookSettingsSource;
  /** REGISTRY_HOST: the CloudEvents source and the chat formats' link. */
  registryHost: string;
}

export class EnvelopeCache {
  private readonly bodies: LruCache<string, string>;

  /** Without `formats` every webhook gets the MSR envelope. */
  constructor(
    capacity: number,
    private readonly formats?: FormatOptions,
  ) {
    this.bodies = new LruCache(capacity);
  }

  /** The exact bytes to send (and sign) for this event: the stored contents text spliced in unchanged. */
  bodyFor(source: EnvelopeSource): string {
    let body = this.bodies.get(source.eventId);
    if (body === undefined) {
      body = serializeStoredEnvelope({
        // Only validated events are stored as deliverable, so the type is one of ours.
        type: source.eventType as EventType,
        createdAt: this.createdAt(source),
        contentsJson: source.contentsJson,
        location: source.location,
      });
      this.bodies.set(source.eventId, body);
    }
    return body;
  }

  /** The payload format settings of a webhook (the defaults when it has none). */
  settingsFor(webhookId: string): Promise<EffectiveSettings> {
    return this.formats?.settings.settingsFor(webhookId) ?? Promise.resolve(DEFAULT_SETTINGS);
  }

  /** The signed (msr, cloudevents) or plain (slack, teams) request of one delivery. Throws on bad stored data. */
  requestFor(source: RequestSource, settings: EffectiveSettings, signing: SigningInput): DeliveryRequest {
    return formatRequest({
      format: settings.format,
      mode: settings.mode,
      deliveryId: source.id,
      msrBody: this.bodyFor(source),
      event: () => ({
        type: source.eventType,
        contents: JSON.parse(source.contentsJson) as unknown,
        location: source.location,
        registryHost: this.formats?.registryHost ?? "localhost",
        createdAt: this.createdAt(source),
      }),
      ...signing,
    });
  }

  private createdAt(source: EnvelopeSource): string {
    return source.eventCreatedAtText ?? formatGoTime(source.eventCreatedAt);
  }
}
