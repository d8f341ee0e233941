// PRODUCER_DEDUPE_WINDOW, declared once for both apps: how long a producer's event id is remembered
// by the event store (event-store.ts), whichever app stores the event.
import { Duration, durationMs } from "@msr-webhooks/config/duration";

export const ProducerEnv = {
  PRODUCER_DEDUPE_WINDOW: Duration("24h"),
};

/** The window in milliseconds (DEFAULT_PRODUCER_DEDUPE_WINDOW_MS unless set). */
export function producerDedupeWindowMs(env: { PRODUCER_DEDUPE_WINDOW: string }): number {
  return durationMs("PRODUCER_DEDUPE_WINDOW", env.PRODUCER_DEDUPE_WINDOW);
}
