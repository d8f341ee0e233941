// The endpoint gate's settings, from the worker's config: one derivation for the worker and for
// the tests that look at the same shared gate state.
import type { WorkerConfig } from "../config.js";
import type { IsolationSettings } from "./redis-endpoint-gate.js";

/** A slot outlives its attempt's timeout by this much before it counts as leaked. */
const SLOT_MARGIN_MS = 5000;

export function gateSettings(config: WorkerConfig): IsolationSettings {
  return {
    maxInFlight: config.isolation.maxInFlight,
    slotTtlMs: config.delivery.totalTimeoutMs + SLOT_MARGIN_MS,
    busyWaitMs: config.isolation.busyWaitMs,
    busyRetryMs: config.isolation.busyRetryMs,
    breaker: config.isolation.breaker,
    slowLane: config.isolation.slowLane,
  };
}
