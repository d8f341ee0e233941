// Applies the committed migrations (prisma/migrations) with Prisma's JS schema engine.
// Runs the CLI as a child process so the same path serves `pnpm db:migrate`, the local
// start script and the test kit.
import { spawn } from "node:child_process";
import path from "node:path";

const packageDir = path.resolve(import.meta.dirname, "..");

export async function runMigrations(databaseUrl: string): Promise<string> {
  const cli = path.join(packageDir, "node_modules", ".bin", "prisma");
  return new Promise((resolve, reject) => {
    const child = spawn(cli, ["migrate", "deploy"], {
      cwd: packageDir,
      env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`prisma migrate deploy exited with ${String(code)}:\n${output}`));
    });
  });
}
