// A database at an earlier point of its history, for the tests of one migration: `prisma migrate
// deploy` with only the committed migrations before the named one (a Prisma config of its own, in a
// temporary directory). The test then fills it with rows as they were and applies the rest with
// runMigrations (@msr-webhooks/db/migrate).
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

const repoRoot = path.resolve(import.meta.dirname, "../../..");
const dbPackage = path.join(repoRoot, "packages", "db");

export async function migrateBefore(url: string, migration: string): Promise<void> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), "msrwh-migration-"));
  try {
    const source = path.join(repoRoot, "prisma", "migrations");
    const target = path.join(workDir, "migrations");
    for (const entry of readdirSync(source)) {
      if (entry.endsWith(".toml") || entry < migration) cpSync(path.join(source, entry), path.join(target, entry), { recursive: true });
    }
    const resolve = createRequire(path.join(dbPackage, "package.json")).resolve;
    const config = path.join(workDir, "prisma.config.mjs");
    writeFileSync(
      config,
      `import { defineConfig } from ${JSON.stringify(resolve("prisma/config"))};
import { PrismaPg } from ${JSON.stringify(resolve("@prisma/adapter-pg"))};
export default defineConfig({
  experimental: { adapter: true },
  schema: ${JSON.stringify(path.join(repoRoot, "prisma", "schema.prisma"))},
  migrations: { path: ${JSON.stringify(target)} },
  engine: "js",
  async adapter() { return new PrismaPg({ connectionString: process.env.DATABASE_URL }); },
});
`,
    );
    await new Promise<void>((resolveRun, reject) => {
      const child = spawn(path.join(dbPackage, "node_modules", ".bin", "prisma"), ["migrate", "deploy", "--config", config], {
        cwd: dbPackage,
        env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (c: Buffer) => (output += c.toString()));
      child.stderr.on("data", (c: Buffer) => (output += c.toString()));
      child.on("error", reject);
      child.on("close", (code) => (code === 0 ? resolveRun() : reject(new Error(`migrate deploy exited with ${String(code)}:\n${output}`))));
    });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
