// Per-run PostgreSQL databases for tests: migrations are applied once to a template
// database (named after a hash of the migrations), and each test file gets a fresh copy
// with CREATE DATABASE ... TEMPLATE, so runs never collide and start in milliseconds.
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { runMigrations } from "@msr-webhooks/db/migrate";

const repoRoot = path.resolve(import.meta.dirname, "../../..");
const migrationsDir = path.join(repoRoot, "prisma", "migrations");

export function adminUrl(): string {
  return process.env.TEST_PG_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
}

export function databaseUrl(name: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

function migrationsHash(): string {
  const hash = createHash("sha256");
  for (const dir of readdirSync(migrationsDir).sort()) {
    if (dir.endsWith(".toml")) continue;
    hash.update(dir).update(readFileSync(path.join(migrationsDir, dir, "migration.sql")));
  }
  return hash.digest("hex").slice(0, 12);
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function databaseExists(client: pg.Client, name: string): Promise<boolean> {
  const res = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  return res.rowCount === 1;
}

/** Creates (once per migrations version) the migrated template database. */
export async function ensureTemplate(): Promise<string> {
  const name = `msrwh_tmpl_${migrationsHash()}`;
  await withAdmin(async (client) => {
    // Parallel jest workers race to build the template: serialize on an advisory lock.
    await client.query("SELECT pg_advisory_lock(727001)");
    try {
      if (await databaseExists(client, name)) return;
      const building = `${name}_building`;
      await client.query(`DROP DATABASE IF EXISTS "${building}"`);
      await client.query(`CREATE DATABASE "${building}"`);
      await runMigrations(databaseUrl(building));
      await client.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
    } finally {
      await client.query("SELECT pg_advisory_unlock(727001)");
    }
  });
  return name;
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function createDatabase(prefix: string, template: string | null): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  await withAdmin(async (client) => {
    await client.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ""}`);
  });
  return {
    name,
    url: databaseUrl(name),
    async drop() {
      await withAdmin(async (client) => {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      });
    },
  };
}

/** A fresh, migrated database for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  return createDatabase("msrwh_t", await ensureTemplate());
}

/** An empty database (no migrations), for the migration test itself. */
export function createEmptyDatabase(): Promise<TestDatabase> {
  return createDatabase("msrwh_e", null);
}
