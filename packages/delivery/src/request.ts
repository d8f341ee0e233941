// Builds the signed POST of one delivery: the envelope bytes as given, plus the Standard Webhooks headers.
import { signatureHeaders } from "@msr-webhooks/events/signing";

export interface BuildRequestInput {
  /** The delivery's id, sent as webhook-id: stable across retries so receivers can dedupe. */
  deliveryId: string;
  /** The envelope JSON, serialized once per event and shared by all its deliveries. */
  body: string;
  /** Current signing secrets (during rotation: new and old). */
  secrets: readonly string[];
  /** Unix seconds; defaults to now. A retry is signed afresh so receivers' tolerance windows accept it. */
  timestamp?: number;
  userAgent: string;
}

export interface DeliveryRequest {
  body: string;
  headers: Record<string, string>;
}

export function buildRequest(input: BuildRequestInput): DeliveryRequest {
  const timestamp = input.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    body: input.body,
    headers: {
      "Content-Type": "application/json",
      "User-Agent": input.userAgent,
      ...signatureHeaders({ msgId: input.deliveryId, timestamp, body: input.body, secrets: input.secrets }),
    },
  };
}
