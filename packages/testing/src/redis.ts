// Per-run Redis isolation for tests: a unique BullMQ prefix, and removal of its keys.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";

export function redisUrl(): string {
  return process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
}

export function testQueuePrefix(): string {
  return `msrwh-t-${randomBytes(5).toString("hex")}`;
}

export async function deletePrefix(prefix: string): Promise<void> {
  const redis = new Redis(redisUrl());
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}
