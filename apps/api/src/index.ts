// Starts the API: validated config, the first admin, listen, graceful SIGTERM.
import { createApp } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { buildDeps } from "./deps.js";
import { ensureAdmin } from "./identity/bootstrap-admin.js";

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const deps = buildDeps(config);
  const { log } = deps;
  const admin = await ensureAdmin(deps.services.db, config.admin);
  if (admin === "missing-password") {
    throw new ConfigError("MSR_ADMIN_PASSWORD: required while no system admin exists");
  }
  if (admin === "created") log.info("created the first system admin", { username: config.admin.username });
  const app = createApp(deps);
  const server = app.listen(config.port, config.host, () => {
    log.info("api listening", { host: config.host, port: config.port });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 20_000;
  const shutdown = (signal: string): void => {
    log.info("shutting down", { signal });
    server.close(() => {
      void deps.close().then(() => process.exit(0));
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`msr-webhooks api: ${message}\n`);
  process.exit(1);
});
