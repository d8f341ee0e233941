// A delivery's HTTP request in its webhook's payload format: msr is buildRequest as ever (the same
// bytes, signed); cloudevents is the SDK's message, signed the same way (Standard Webhooks headers
// over the exact body); slack and teams are the chat services' JSON, unsigned (they reject
// unknown signature headers, and their URLs are the secret).
import { signatureHeaders } from "@msr-webhooks/events/signing";
import { buildRequest, type DeliveryRequest } from "../request.js";
import { cloudEventMessage } from "./cloudevents.js";
import type { EventFacts } from "./message.js";
import type { CloudEventsMode, PayloadFormat } from "./settings.js";
import { slackMessage } from "./slack.js";
import { teamsMessage } from "./teams.js";

export interface FormatRequestInput {
  format: PayloadFormat;
  mode: CloudEventsMode;
  deliveryId: string;
  /** The MSR envelope's exact bytes (the msr body; its contents are what the other formats carry). */
  msrBody: string;
  /** The event, for the other formats. Only read when the format is not msr. */
  event: () => EventFacts & { createdAt: string };
  secrets: readonly string[];
  timestamp?: number;
  userAgent: string;
}

export function formatRequest(input: FormatRequestInput): DeliveryRequest {
  const { format } = input;
  if (format === "msr") {
    return buildRequest({ deliveryId: input.deliveryId, body: input.msrBody, secrets: input.secrets, timestamp: input.timestamp, userAgent: input.userAgent });
  }
  const facts = input.event();
  if (format === "cloudevents") {
    const message = cloudEventMessage(
      { id: input.deliveryId, type: facts.type, time: facts.createdAt, contents: facts.contents, registryHost: facts.registryHost },
      input.mode,
    );
    const timestamp = input.timestamp ?? Math.floor(Date.now() / 1000);
    return {
      body: message.body,
      headers: {
        ...message.headers,
        "User-Agent": input.userAgent,
        ...signatureHeaders({ msgId: input.deliveryId, timestamp, body: message.body, secrets: input.secrets }),
      },
    };
  }
  const body = JSON.stringify(format === "slack" ? slackMessage(facts) : teamsMessage(facts));
  return { body, headers: { "Content-Type": "application/json", "User-Agent": input.userAgent } };
}
