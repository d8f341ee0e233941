// Reads what the worker logged about deferrals: its delivery threads log the delivery jobs they
// deferred, by reason, once per interval (apps/worker/src/isolation/deferral-counts.ts). Summed
// over the lines logged in a time window; a line covers the interval before its timestamp.
import { readFileSync } from "node:fs";

const DEFERRALS_MESSAGE = "delivery jobs deferred";

export function deferralsLogged(logFile: string, fromMs: number, toMs: number): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const line of readFileSync(logFile, "utf8").split("\n")) {
    if (!line.includes(DEFERRALS_MESSAGE)) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const at = Date.parse(String(entry.timestamp));
    if (entry.message !== DEFERRALS_MESSAGE || !(at > fromMs && at <= toMs)) continue;
    for (const [key, value] of Object.entries(entry)) {
      if (typeof value === "number" && key !== "intervalMs") sums[key] = (sums[key] ?? 0) + value;
    }
  }
  return sums;
}
