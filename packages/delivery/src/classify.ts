// Decides what an attempt's result means for its delivery: pure, so the worker and POST /webhooks/test agree.
import type { AttemptResult, ErrorKind } from "./attempt-result.js";

export type Outcome =
  | { action: "success" }
  | { action: "retry"; retryAfterMs: number | null }
  | { action: "disable"; reason: string }
  | { action: "give_up"; reason: string };

/** Statuses whose Retry-After is honoured (the retry policy clamps it). */
const RETRY_AFTER_STATUSES = new Set([429, 503]);

/**
 * Only failures that no retry can change are given up on. An invalid URL is one: the stored URL will not
 * parse better tomorrow. Everything else retries, including every other 4xx (receivers deploy broken auth
 * and fix it), redirects (a moved endpoint gets corrected) and blocked addresses (DNS answers and the
 * operator's allow list both change); the schedule's end and auto-disable bound the cost.
 */
const GIVE_UP_KINDS: ReadonlySet<ErrorKind> = new Set(["invalid_url"]);

export function classifyOutcome(result: AttemptResult): Outcome {
  if (result.ok) return { action: "success" };
  if (result.statusCode === 410) return { action: "disable", reason: "endpoint answered 410 Gone" };
  if (result.errorKind !== null && GIVE_UP_KINDS.has(result.errorKind)) {
    return { action: "give_up", reason: result.errorMessage ?? result.errorKind };
  }
  const retryAfterMs =
    result.statusCode !== null && RETRY_AFTER_STATUSES.has(result.statusCode) ? result.retryAfterMs : null;
  return { action: "retry", retryAfterMs };
}
