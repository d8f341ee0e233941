// The leftover clean-up never pulls state from under a running test process: this jest process
// holds the test-run lease (globalSetup), so a clean-up started now keeps this file's database, the
// template and this file's queue keys, and says it kept them.
import { Redis } from "ioredis";
import pg from "pg";
import { adminUrl, createTestDatabase, templateName, type TestDatabase } from "../src/database.js";
import { removeTestLeftovers } from "../src/leftovers.js";
import { deletePrefix, redisUrl, testQueuePrefix } from "../src/redis.js";
import { holdRunLease, tryExclusiveLease } from "../src/run-lease.js";

let db: TestDatabase;
let redis: Redis;
const prefix = testQueuePrefix();

beforeAll(async () => {
  db = await createTestDatabase();
  redis = new Redis(redisUrl());
  await redis.set(`${prefix}:probe`, "1");
});

afterAll(async () => {
  await deletePrefix(prefix);
  redis.disconnect();
  await db.drop();
});

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return (await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

it("removes nothing while a test process holds the lease", async () => {
  const report = await removeTestLeftovers();
  expect(report).toEqual({ removed: false, databasesDropped: [], databasesInUse: [], keysDeleted: 0 });
  expect(await databaseExists(db.name)).toBe(true);
  expect(await databaseExists(templateName())).toBe(true);
  expect(await redis.get(`${prefix}:probe`)).toBe("1");
});

it("cannot take the lease exclusively while another session holds it shared", async () => {
  const holder = await holdRunLease();
  const probe = new pg.Client({ connectionString: adminUrl() });
  await probe.connect();
  try {
    expect(await tryExclusiveLease(probe)).toBe(false);
  } finally {
    await holder.end();
    await probe.end();
  }
});
