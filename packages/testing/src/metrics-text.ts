// Reads Prometheus text expositions (GET /metrics) in tests: one sample by name and labels, and
// the metric set every service registers (packages/observability's createMetrics).

/** The metrics createMetrics registers in every service, before the process metrics. */
export const SHARED_METRIC_NAMES = [
  "msrwh_events_received_total",
  "msrwh_events_rejected_total",
  "msrwh_deliveries_total",
  "msrwh_delivery_attempt_duration_seconds",
  "msrwh_delivery_latency_seconds",
  "msrwh_queue_jobs",
  "msrwh_open_circuits",
  "msrwh_webhooks_disabled",
] as const;

/** The value of the first sample of `name` whose labels include `labels`; undefined when absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const got = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(match[3]);
  }
  return undefined;
}
