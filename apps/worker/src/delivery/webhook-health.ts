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
