// Fan-out time through the real worker, one event at a time: a worker process on the world, a
// warm-up, then `events` TAG_PUSH events to one repository, spaced out so the time measured is the
// fan-out itself and not a queue. Fan-out time: Event.fannedOutAt - Event.receivedAt (ingest stored
// the event; the fan-out committed its delivery rows). Used by cost and filter-cost.
import { publishEvent } from "@msr-webhooks/events/publish";
import { nowMs, sleep } from "./clock.js";
import { watched } from "./worker-death.js";
import { tagPushEvent } from "./events.js";
import type { ReceiverProcess } from "./receiver.js";
import { median, percentile, summarize } from "./stats.js";
import { startWorkerProcess } from "./worker-process.js";
import type { World } from "./world.js";

export interface Timing {
  p50: number;
  p95: number;
  n: number;
}

export interface FanoutTiming {
  fanoutMs: Timing;
  publishToReceiveMs: Timing;
}

/** `delivered`: requests each event makes at the receiver (its matched webhooks less those a filter skips). */
export async function measureFanout(
  world: World,
  receiver: ReceiverProcess,
  opts: { events: number; namespace: string; repository: string; delivered: number; workerEntry?: string },
): Promise<FanoutTiming> {
  const { events, namespace, repository, delivered } = opts;
  const worker = startWorkerProcess(world, opts.workerEntry ? { entry: opts.workerEntry } : {});
  const publish = () => publishEvent(world.redis, tagPushEvent(repository, nowMs(), namespace), { prefix: world.prefix });
  try {
    await receiver.reset();
    // Warm-up: JIT, pools and caches; also proves the worker is consuming.
    for (let i = 0; i < 20; i += 1) await publish();
    await watched(receiver.waitFor(20 * delivered, 60_000), [worker]);
    await sleep(300);
    await receiver.reset();
    const since = new Date();
    for (let i = 0; i < events; i += 1) {
      await publish();
      await sleep(50);
    }
    await watched(receiver.waitFor(events * delivered, 120_000), [worker]);
    const stats = await receiver.stats(true);
    const { rows } = await world.pool.query<{ ms: number }>(
      `SELECT extract(epoch FROM "fannedOutAt" - "receivedAt") * 1000 AS ms FROM "Event"
        WHERE "receivedAt" >= $1 AND namespace = $2 AND "fannedOutAt" IS NOT NULL`,
      [since, namespace],
    );
    const ms = rows.map((r) => Number(r.ms));
    if (ms.length !== events) throw new Error(`expected ${events} fanned-out events, found ${ms.length}`);
    const latency = summarize(stats.latencies);
    return {
      fanoutMs: { p50: median(ms), p95: percentile(ms, 95), n: ms.length },
      publishToReceiveMs: { p50: latency.p50, p95: latency.p95, n: latency.count },
    };
  } finally {
    await worker.stop();
  }
}
