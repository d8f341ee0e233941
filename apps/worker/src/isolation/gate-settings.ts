// The endpoint gate's settings, from the worker's config: one derivation for the worker and for
// the tests that look at the same shared gate state.
import type { WorkerConfig } from "../config.js";
import type { ParkingSettings } from "./parking.js";
import type { IsolationSettings } from "./redis-endpoint-gate.js";

/** A slot outlives its attempt's timeout by this much before it counts as leaked. */
const SLOT_MARGIN_MS = 5000;

/** Parking (isolation/parking.ts); undefined when PARKED_WAITERS_MAX is 0. */
export function parkingSettings(config: WorkerConfig): ParkingSettings | undefined {
  const { maxWaitMs, maxWaiters } = config.isolation.parking;
  if (maxWaiters === 0) return undefined;
  return { firstWaitMs: config.delivery.totalTimeoutMs + SLOT_MARGIN_MS, maxWaitMs, maxWaiters };
}

export function gateSettings(config: WorkerConfig): IsolationSettings {
  const parking = parkingSettings(config);
  return {
    maxInFlight: config.isolation.maxInFlight,
    slotTtlMs: config.delivery.totalTimeoutMs + SLOT_MARGIN_MS,
    busyWaitMs: config.isolation.busyWaitMs,
    busyRetryMs: config.isolation.busyRetryMs,
    breaker: config.isolation.breaker,
    slowLane: config.isolation.slowLane,
    // A waiters set outlives every park it holds.
    ...(parking ? { parking: { maxWaiters: parking.maxWaiters, ttlMs: parking.maxWaitMs + SLOT_MARGIN_MS } } : {}),
  };
}
