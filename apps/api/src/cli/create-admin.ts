// CLI: create (or promote) a system admin from MSR_ADMIN_USERNAME / MSR_ADMIN_PASSWORD,
// the same way the API does at its first start. Usage: pnpm --filter @msr-webhooks/api create-admin
import { createPrisma } from "@msr-webhooks/db/client";
import { loadConfig } from "../config.js";
import { upsertAdmin } from "../identity/bootstrap-admin.js";

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const { username, password } = config.admin;
  if (!password) throw new Error("MSR_ADMIN_PASSWORD: required");
  const db = createPrisma({ url: config.databaseUrl, poolSize: 1 });
  try {
    await upsertAdmin(db, username, password);
    process.stdout.write(`system admin ${username} is ready\n`);
  } finally {
    await db.$disconnect();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`create-admin: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
