// One-shot database preparation: create the database named in DATABASE_URL when it is
// missing (local starts), then apply the committed migrations. Run once per deploy, not by
// every replica: `node packages/db/dist/cli/prepare.js`.
import pg from "pg";
import { runMigrations } from "../migrate.js";

async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ""));
  if (!name) throw new Error("DATABASE_URL: names no database");
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      process.stdout.write(`created database ${name}\n`);
    }
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL: required");
  if (!process.argv.includes("--migrate-only")) await ensureDatabase(url);
  const output = await runMigrations(url);
  process.stdout.write(output.includes("No pending migrations") ? "database schema is up to date\n" : "migrations applied\n");
}

main().catch((err: unknown) => {
  process.stderr.write(`db prepare: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
