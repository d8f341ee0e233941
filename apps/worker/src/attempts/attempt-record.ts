// What is written after an attempt: the attempt row, the delivery's next state and what the
// attempt says about the endpoint, derived from the decision. Pure.
import { newRowId } from "@msr-webhooks/db/row-ids";
import type { AttemptResult } from "@msr-webhooks/delivery/attempt-result";
import type { DeliveryDecision } from "./delivery-decision.js";
import type { AttemptRecord, DueDelivery } from "./delivery.repository.js";

export interface AttemptOutcome {
  due: DueDelivery;
  /** "scheduled", or "manual" for the attempt a redeliver request asked for. */
  trigger: string;
  startedAt: Date;
  result: AttemptResult;
  decision: DeliveryDecision;
}

export function toAttemptRecord({ due, trigger, startedAt, result, decision }: AttemptOutcome): AttemptRecord {
  const base = {
    attemptId: newRowId(startedAt.getTime()),
    deliveryId: due.id,
    deliveryCreatedAt: due.createdAt,
    webhookId: due.webhookId,
    number: due.attemptNumber,
    trigger,
    startedAt,
    durationMs: result.durationMs,
    statusCode: result.statusCode,
    responseHeaders: result.responseHeaders,
    responseBody: result.responseBody,
    errorKind: result.errorKind,
    errorMessage: result.errorMessage,
    now: new Date(),
  };
  switch (decision.kind) {
    case "succeeded":
      return { ...base, status: "succeeded", reason: null, nextAttemptAt: null, health: { kind: "success" } };
    case "retry":
      return { ...base, status: "retrying", reason: decision.reason, nextAttemptAt: decision.nextAttemptAt, health: { kind: "failure" } };
    case "failed":
      return {
        ...base,
        status: "failed",
        reason: decision.reason,
        nextAttemptAt: null,
        health: decision.disable === null ? { kind: "failure" } : { kind: "gone", reason: decision.disable },
      };
  }
}

/** The result recorded for an attempt whose request could not even be built. */
export function notSentResult(message: string): AttemptResult {
  return {
    ok: false,
    statusCode: null,
    durationMs: 0,
    responseHeaders: {},
    responseBody: "",
    errorKind: "other",
    errorMessage: message,
    retryAfterMs: null,
  };
}
