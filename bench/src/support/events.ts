// The events the benchmarks publish: TAG_PUSH on the owner's repositories, carrying their publish
// time in contents.author ("bench:<ms>") so the receiver can measure publish-to-receive latency.
import type { Redis } from "ioredis";
import { publishEvents, type PublishableEvent } from "@msr-webhooks/events/publish";
import { nowMs, sleep } from "./clock.js";
import { OWNER } from "./seed.js";

const DIGEST = "sha256:b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c";

export function tagPushEvent(repository: string, publishedAt: number, namespace = OWNER): PublishableEvent {
  return {
    type: "TAG_PUSH",
    contents: {
      namespace,
      repository,
      tag: "latest",
      digest: DIGEST,
      imageName: `registry.bench.test/${namespace}/${repository}:latest`,
      os: "linux",
      architecture: "amd64",
      author: `bench:${publishedAt.toFixed(3)}`,
      pushedAt: new Date(publishedAt).toISOString(),
    },
  };
}

/**
 * Publishes `count` events round-robin over the repositories, `batch` per publishEvents call
 * (one addBulk each); `offset` continues the round-robin of an earlier call.
 */
export async function publishSpread(
  redis: Redis,
  prefix: string,
  repositories: readonly string[],
  count: number,
  opts: { batch?: number; offset?: number } = {},
): Promise<void> {
  const batch = opts.batch ?? 1000;
  const offset = opts.offset ?? 0;
  for (let start = 0; start < count; start += batch) {
    const now = nowMs();
    const events: PublishableEvent[] = [];
    for (let i = start; i < Math.min(count, start + batch); i += 1) {
      events.push(tagPushEvent(repositories[(offset + i) % repositories.length] as string, now));
    }
    await publishEvents(redis, events, { prefix });
  }
}

/** Publishes `count` events to `repository` at a steady `perSecond`, each carrying its publish time. */
export async function publishPaced(
  redis: Redis,
  prefix: string,
  repository: string,
  count: number,
  perSecond: number,
): Promise<void> {
  const startAt = nowMs();
  let published = 0;
  while (published < count) {
    const due = Math.min(count, Math.floor(((nowMs() - startAt) / 1000) * perSecond) + 1) - published;
    if (due > 0) {
      const at = nowMs();
      const events: PublishableEvent[] = Array.from({ length: due }, () => tagPushEvent(repository, at));
      await publishEvents(redis, events, { prefix });
      published += due;
    }
    await sleep(5);
  }
}
