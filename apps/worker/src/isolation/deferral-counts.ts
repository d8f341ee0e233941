// How many delivery jobs this thread deferred instead of attempting, by reason, and how many parked
// ones a freed slot woke: logged once per interval when any happened, so an operator (and the
// fairness benchmark) sees what refused work costs. A handful of counters; nothing grows.
import type { Logger } from "winston";

/**
 * owner: its owner held its share of the thread's slots. busy / slow: the endpoint was at its
 * in-flight cap (the slow lane's). circuit: the endpoint's circuit was open. not-due: the job ran
 * before its delivery's next attempt time. woken: a parked delivery woken by a freed slot. arrival:
 * parked by fan-out as it arrived, its owner or endpoint known to refuse it (arrival-parking.ts).
 * held: waited in process for its owner's next slot instead of being parked (owner-slots.ts); one
 * that waited in vain is then parked, and counted under owner too.
 */
export const DEFERRAL_REASONS = ["owner", "busy", "slow", "circuit", "not-due", "woken", "arrival", "held"] as const;
export type DeferralReason = (typeof DEFERRAL_REASONS)[number];

export class DeferralCounts {
  private counts = new Map<DeferralReason, number>();

  add(reason: DeferralReason): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
  }

  /** The counts since the last call (reasons with none left out), and a fresh start. */
  take(): Partial<Record<DeferralReason, number>> {
    const taken = Object.fromEntries(this.counts) as Partial<Record<DeferralReason, number>>;
    this.counts = new Map();
    return taken;
  }

  /** Logs the counts every `intervalMs` when there are any; returns the stop function. */
  logEvery(intervalMs: number, log: Logger): () => void {
    const timer = setInterval(() => {
      const counts = this.take();
      if (Object.keys(counts).length > 0) log.info("delivery jobs deferred", { ...counts, intervalMs });
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
