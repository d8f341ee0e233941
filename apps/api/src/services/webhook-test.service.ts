// POST /webhooks/test: sends the fixed example payload of a type to an endpoint now, through
// the same delivery client (address policy, TLS settings, timeouts) as real deliveries. The
// request is signed with a throwaway secret that the answer reveals, so a receiver's signature
// check can be tried out before any subscription exists.
import { randomBytes } from "node:crypto";
import type { DeliveryClient } from "@msr-webhooks/delivery/http-client";
import { buildRequest } from "@msr-webhooks/delivery/request";
import { buildEnvelope, serializeEnvelope, type EventEnvelope } from "@msr-webhooks/events/envelope";
import { generateSecret } from "@msr-webhooks/events/signing";
import { testPayload } from "@msr-webhooks/events/test-payloads";
import { deliveredTypeOf, isRepoEventKind, type SubscriptionType } from "@msr-webhooks/events/types";
import { ApiError } from "../errors.js";
import type { TestResult } from "../schemas/webhook.schemas.js";
import { checkEndpoint, checkTlsCert, normalizeTlsCert } from "./webhook-endpoint.js";

export interface WebhookTestInput {
  type: SubscriptionType;
  endpoint: string;
  tlsCert?: string;
  skipTLSVerification?: boolean;
}

/** The example envelope of a subscription type; a REPO_* kind is a REPO_EVENT of that kind. */
export function testEnvelope(type: SubscriptionType, registryHost: string, now: Date): EventEnvelope {
  const delivered = deliveredTypeOf(type);
  const payload = testPayload(delivered, registryHost);
  let contents: object = payload.contents;
  if (isRepoEventKind(type)) {
    contents = { ...contents, event: type, ...(type === "REPO_DELETED" ? { data: {} } : {}) };
  }
  return buildEnvelope({ type: delivered, createdAt: now, contents, location: payload.location ?? null });
}

export class WebhookTestService {
  constructor(
    private readonly client: DeliveryClient,
    private readonly registryHost: string,
    private readonly userAgent: string,
  ) {}

  async send(input: WebhookTestInput): Promise<TestResult> {
    const skipTLSVerification = input.skipTLSVerification ?? false;
    checkEndpoint(input.endpoint, skipTLSVerification);
    const tlsCert = normalizeTlsCert(input.tlsCert);
    checkTlsCert(tlsCert);

    const envelope = testEnvelope(input.type, this.registryHost, new Date());
    const signingSecret = generateSecret();
    const webhookId = `msg_test_${randomBytes(16).toString("hex")}`;
    const request = buildRequest({
      deliveryId: webhookId,
      body: serializeEnvelope(envelope),
      secrets: [signingSecret],
      userAgent: this.userAgent,
    });
    const result = await this.client.send({ url: input.endpoint, tlsCert, skipTLSVerification }, request);
    // The same refusal a real delivery would record; here the caller can still fix the endpoint.
    if (result.errorKind === "blocked" || result.errorKind === "invalid_url") {
      throw new ApiError("INVALID_WEBHOOK", result.errorMessage ?? "endpoint refused", { field: "endpoint" });
    }
    return {
      ok: result.ok,
      statusCode: result.statusCode,
      durationMs: result.durationMs,
      error: result.errorMessage,
      errorKind: result.errorKind,
      responseBody: result.responseBody,
      webhookId,
      signingSecret,
      payload: envelope,
    };
  }
}
