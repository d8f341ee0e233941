// POST /webhooks/test: sends the fixed example payload of a type to an endpoint now, through
// the same delivery client (address policy, TLS settings, timeouts) as real deliveries. The
// request is signed with a throwaway secret that the answer reveals, so a receiver's signature
// check can be tried out before any subscription exists. Sends are limited per user; what the
// caller learns of the endpoint's answer follows presenters/response-detail.ts.
import { randomBytes } from "node:crypto";
import type { DeliveryClient } from "@msr-webhooks/delivery/http-client";
import { buildRequest } from "@msr-webhooks/delivery/request";
import { buildEnvelope, serializeEnvelope, type EventEnvelope } from "@msr-webhooks/events/envelope";
import { nowGoTime } from "@msr-webhooks/events/go-time";
import { generateSecret } from "@msr-webhooks/events/signing";
import { testPayload } from "@msr-webhooks/events/test-payloads";
import { deliveredTypeOf, isRepoEventKind, isSubscriptionType, type SubscriptionType } from "@msr-webhooks/events/types";
import type { AttemptResult } from "@msr-webhooks/delivery/attempt-result";
import { filterReason } from "@msr-webhooks/delivery/formats/filter";
import { formatRequest } from "@msr-webhooks/delivery/formats/format-request";
import type { EffectiveSettings } from "@msr-webhooks/delivery/formats/settings";
import type { Webhook } from "@msr-webhooks/db/client";
import { ApiError } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import type { TestResult } from "../schemas/webhook.schemas.js";
import type { WebhookTestSent } from "../schemas/webhook-settings.schemas.js";
import { checkEndpoint, normalizeTlsCert, type WebhookEndpointRules } from "./webhook-endpoint.js";
import type { WebhookTestLimiter } from "./webhook-test-limit.js";
import { isHiddenFailure, seesFullDetail, summarizeFailure, type ResponseDetail } from "../presenters/response-detail.js";

export interface WebhookTestInput {
  type: SubscriptionType;
  endpoint: string;
  tlsCert?: string;
  skipTLSVerification?: boolean;
}

/** The example envelope of a subscription type; a REPO_* kind is a REPO_EVENT of that kind. */
export function testEnvelope(type: SubscriptionType, registryHost: string, now: Date | string): EventEnvelope {
  const delivered = deliveredTypeOf(type);
  const payload = testPayload(delivered, registryHost);
  let contents: object = payload.contents;
  if (isRepoEventKind(type)) {
    contents = { ...contents, event: type, ...(type === "REPO_DELETED" ? { data: {} } : {}) };
  }
  return buildEnvelope({ type: delivered, createdAt: now, contents, location: payload.location ?? null });
}

export interface WebhookTestOptions {
  registryHost: string;
  userAgent: string;
  detail: ResponseDetail;
}

export class WebhookTestService {
  constructor(
    private readonly client: DeliveryClient,
    private readonly endpoints: WebhookEndpointRules,
    private readonly limiter: WebhookTestLimiter,
    private readonly options: WebhookTestOptions,
  ) {}

  async send(principal: Principal, input: WebhookTestInput): Promise<TestResult> {
    const skipTLSVerification = input.skipTLSVerification ?? false;
    checkEndpoint(input.endpoint, skipTLSVerification);
    const tlsCert = normalizeTlsCert(input.tlsCert);
    this.endpoints.checkTlsCert(tlsCert);
    // Counted before the host is resolved, so the limit bounds DNS look-ups too.
    await this.limiter.admit(principal.id);
    await this.endpoints.screen(input.endpoint);

    const envelope = testEnvelope(input.type, this.options.registryHost, nowGoTime());
    const signingSecret = generateSecret();
    const webhookId = `msg_test_${randomBytes(16).toString("hex")}`;
    const request = buildRequest({
      deliveryId: webhookId,
      body: serializeEnvelope(envelope),
      secrets: [signingSecret],
      userAgent: this.options.userAgent,
    });
    const result = await this.client.send({ url: input.endpoint, tlsCert, skipTLSVerification }, request);
    // The same refusal a real delivery would record; here the caller can still fix the endpoint.
    if (result.errorKind === "blocked" || result.errorKind === "invalid_url") {
      throw new ApiError("INVALID_WEBHOOK", result.errorMessage ?? "endpoint refused", { field: "endpoint" });
    }
    const outcome = fullOutcome(result);
    const shown = seesFullDetail(this.options.detail, principal) ? outcome : summaryOutcome(outcome);
    return { ...shown, webhookId, signingSecret, payload: envelope };
  }

  /**
   * POST /webhooks/{id}/test: the example of the webhook's type to its own endpoint, as a real event
   * would go: in the format its settings choose, signed with its secret (msr, cloudevents). Sent
   * even when the webhook's filters would skip such an event; the answer says so.
   */
  async sendAsWebhook(principal: Principal, webhook: Webhook, settings: EffectiveSettings): Promise<WebhookTestSent> {
    await this.limiter.admit(principal.id);
    await this.endpoints.screen(webhook.endpoint);
    const type = isSubscriptionType(webhook.type) ? webhook.type : "TAG_PUSH";
    const envelope = testEnvelope(type, this.options.registryHost, nowGoTime());
    const webhookId = `msg_test_${randomBytes(16).toString("hex")}`;
    const request = formatRequest({
      format: settings.format,
      mode: settings.mode,
      deliveryId: webhookId,
      msrBody: serializeEnvelope(envelope),
      event: () => ({
        type: envelope.type,
        contents: envelope.contents,
        location: envelope.location ?? null,
        registryHost: this.options.registryHost,
        createdAt: envelope.createdAt,
      }),
      secrets: [webhook.signingSecret],
      userAgent: this.options.userAgent,
    });
    const result = await this.client.send(
      { url: webhook.endpoint, tlsCert: webhook.tlsCert, skipTLSVerification: webhook.skipTLSVerification },
      request,
    );
    const outcome = fullOutcome(result);
    const shown = seesFullDetail(this.options.detail, principal) ? outcome : summaryOutcome(outcome);
    const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => name !== "User-Agent"));
    return {
      ...shown,
      webhookId,
      format: settings.format,
      headers,
      body: request.body,
      filtered: filterReason(settings, envelope.type, envelope.contents),
    };
  }
}

type Outcome = Pick<TestResult, "ok" | "statusCode" | "error" | "errorKind" | "responseBody" | "durationMs">;

function fullOutcome(result: AttemptResult): Outcome {
  return {
    ok: result.ok,
    statusCode: result.statusCode,
    error: result.errorMessage,
    errorKind: result.errorKind,
    responseBody: result.responseBody,
    durationMs: result.durationMs,
  };
}

/** Status code and kind without the body; a failure without an HTTP answer is "unreachable", with no duration. */
function summaryOutcome(outcome: Outcome): Outcome {
  const failure = { statusCode: outcome.statusCode, errorKind: outcome.errorKind, errorMessage: outcome.error };
  const hidden = isHiddenFailure(failure);
  const { errorKind, errorMessage } = summarizeFailure(failure);
  return { ...outcome, errorKind, error: errorMessage, responseBody: "", durationMs: hidden ? 0 : outcome.durationMs };
}
