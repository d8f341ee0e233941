// Per-run PostgreSQL databases for tests: migrations are applied once, before any suite
// (jest's globalSetup, ./global-setup), to a template database named after a hash of the
// migrations; each test file gets a fresh copy with CREATE DATABASE ... TEMPLATE, so runs
// never collide and a suite's hooks never run a migration.
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

export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
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

/** Serializes template builds, template copies and the leftover clean-up across processes. */
export const TEST_DATABASE_LOCK = 727001;

/** The migrated template's name for the migrations in this checkout. */
export function templateName(): string {
  return `msrwh_tmpl_${migrationsHash()}`;
}

/**
 * Creates (once per migrations version) the migrated template database. One-time setup: jest's
 * globalSetup and the bench scripts call it, never a suite's hook.
 */
export async function ensureTemplate(): Promise<string> {
  const name = templateName();
  await withAdmin(async (client) => {
    // Packages' jest runs may start side by side: serialize on an advisory lock.
    await client.query("SELECT pg_advisory_lock($1)", [TEST_DATABASE_LOCK]);
    try {
      if (await databaseExists(client, name)) return;
      const building = `${name}_building`;
      await client.query(`DROP DATABASE IF EXISTS "${building}"`);
      await client.query(`CREATE DATABASE "${building}"`);
      await runMigrations(databaseUrl(building));
      await client.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [TEST_DATABASE_LOCK]);
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
    if (template === null) {
      await client.query(`CREATE DATABASE "${name}"`);
      return;
    }
    // Under the lock, so the leftover clean-up never drops the template mid-copy.
    await client.query("SELECT pg_advisory_lock($1)", [TEST_DATABASE_LOCK]);
    try {
      if (!(await databaseExists(client, template))) {
        throw new Error(
          `the migrated template database ${template} does not exist: it is built once before the tests ` +
            "by jest's globalSetup (@msr-webhooks/testing/global-setup) or by ensureTemplate()",
        );
      }
      await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [TEST_DATABASE_LOCK]);
    }
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

/** A fresh, migrated database for one test file: a copy of the template (see ensureTemplate). */
export function createTestDatabase(): Promise<TestDatabase> {
  return createDatabase("msrwh_t", templateName());
}

/** An empty database (no migrations), for the migration test itself. */
export function createEmptyDatabase(): Promise<TestDatabase> {
  return createDatabase("msrwh_e", null);
}
