// What a batch of attempts says about each endpoint, folded into one row per webhook so a batch
// updates every webhook once: the last success, the first failure after it, and a 410 if any.

export type HealthSignal = { kind: "success" } | { kind: "failure" } | { kind: "gone"; reason: string };

export interface HealthInput {
  webhookId: string;
  at: Date;
  health: HealthSignal;
}

export interface WebhookHealth {
  webhookId: string;
  /** The latest success in the batch. */
  successAt: Date | null;
  /** The first failure after `successAt` (after nothing, when there was no success). */
  failureAt: Date | null;
  /** Set when an attempt answered 410 Gone. */
  goneReason: string | null;
}

/** One row per webhook, sorted by id so concurrent batches lock webhook rows in the same order. */
export function aggregateHealth(inputs: readonly HealthInput[]): WebhookHealth[] {
  const byWebhook = new Map<string, HealthInput[]>();
  for (const input of inputs) {
    const list = byWebhook.get(input.webhookId);
    if (list) list.push(input);
    else byWebhook.set(input.webhookId, [input]);
  }
  const rows: WebhookHealth[] = [];
  for (const [webhookId, list] of byWebhook) {
    let successAt: Date | null = null;
    for (const i of list) if (i.health.kind === "success" && (successAt === null || i.at > successAt)) successAt = i.at;
    let failureAt: Date | null = null;
    let goneReason: string | null = null;
    for (const i of list) {
      if (i.health.kind === "success") continue;
      if (i.health.kind === "gone") goneReason ??= i.health.reason;
      const afterSuccess = successAt === null || i.at > successAt;
      if (afterSuccess && (failureAt === null || i.at < failureAt)) failureAt = i.at;
    }
    rows.push({ webhookId, successAt, failureAt, goneReason });
  }
  return rows.sort((a, b) => (a.webhookId < b.webhookId ? -1 : a.webhookId > b.webhookId ? 1 : 0));
}

/** Why a webhook is disabled by a batch: an attempt answered 410 Gone, or it has failed for too long. */
export type AutoDisableCause = "gone" | "failing-too-long";

/**
 * The auto-disable rule. A webhook still active is disabled by a batch of attempts when
 * - one of them answered 410 Gone, or
 * - the batch brought no success, at least one failure, and the webhook has been failing since at
 *   or before `cutoff` (now - AUTO_DISABLE_AFTER): failing since its stored `failingSince`, or, when
 *   none is stored (it succeeded last), since this batch's first failure.
 * DeliveryRepository.recordMany applies it inside its one SQL statement (`autoDisableSql` there);
 * test/auto-disable.test.ts checks that the two agree, case by case.
 */
export function autoDisableCause(health: WebhookHealth, failingSince: Date | null, cutoff: Date): AutoDisableCause | null {
  if (health.goneReason !== null) return "gone";
  if (health.successAt !== null || health.failureAt === null) return null;
  return (failingSince ?? health.failureAt) <= cutoff ? "failing-too-long" : null;
}
