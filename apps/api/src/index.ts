// Starts the API: validated config, the first admin, listen, graceful SIGTERM.
import http from "node:http";
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
  const server = http.createServer(createApp(deps));
  // Express 5's app.listen hands a listen error to its callback as an argument; a port that is
  // taken must stop the start instead of leaving an API without a socket.
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      reject(new Error(`cannot listen on ${config.host}:${config.port}: ${err.code ?? err.message}`));
    });
    server.listen(config.port, config.host, resolve);
  });
  log.info("api listening", { host: config.host, port: config.port });
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
  // Whatever was opened (database pool, Redis) must not keep a failed start alive.
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`msr-webhooks api: ${message}\n`);
  process.exit(1);
});
