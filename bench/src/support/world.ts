// One measurement's world: a fresh migrated database (createTestDatabase), a unique BullMQ prefix,
// a pg pool for seeding and reading results, and a Redis connection to publish with. close() drops
// the database and deletes the prefix's keys.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { closePublisher } from "@msr-webhooks/events/publish";
import { createTestDatabase, ensureTemplate } from "@msr-webhooks/testing/database";
import { deletePrefix, redisUrl } from "@msr-webhooks/testing/redis";
import { onCleanup } from "./cleanup.js";

export interface World {
  databaseName: string;
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  pool: pg.Pool;
  /** Publishing connection (BullMQ needs maxRetriesPerRequest: null on it). */
  redis: Redis;
  close(): Promise<void>;
}

export async function createWorld(): Promise<World> {
  await ensureTemplate();
  const database = await createTestDatabase();
  const prefix = `msrwh-bench-${randomBytes(5).toString("hex")}`;
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  pool.on("error", () => undefined);
  const redis = new Redis(redisUrl(), { maxRetriesPerRequest: null });
  const close = onCleanup(async () => {
    await closePublisher(redis);
    redis.disconnect();
    await pool.end();
    await deletePrefix(prefix);
    await database.drop();
  });
  return { databaseName: database.name, databaseUrl: database.url, redisUrl: redisUrl(), prefix, pool, redis, close };
}
