// The worker's msrwh_first_attempts_total, by route (inline, waited, queued, job, parked,
// wait_expired): the routes no first attempt took so far are absent.
import type { Metrics } from "@msr-webhooks/observability/metrics";

export async function firstAttemptRoutes(metrics: Pick<Metrics, "firstAttempts">): Promise<Record<string, number>> {
  const { values } = await metrics.firstAttempts.get();
  return Object.fromEntries(values.map((v) => [String(v.labels.route), v.value]));
}
