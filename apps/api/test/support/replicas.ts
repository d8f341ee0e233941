// Real HTTP listeners for tests that need the API as separate processes would serve it: one
// loopback server per app, and a second API replica (its own deps: own caches, same PostgreSQL and
// Redis) beside a test context's app, to check what one replica's change does on another.
import http from "node:http";
import type { AddressInfo } from "node:net";
import winston from "winston";
import { createApp } from "../../src/app.js";
import { buildDeps } from "../../src/deps.js";
import type { TestContext } from "./test-context.js";

export interface Listener {
  server: http.Server;
  base: string;
}

export async function listen(app: http.RequestListener): Promise<Listener> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface Replicas {
  replica1: Listener;
  replica2: Listener;
  /** Stops both listeners and the second replica's deps (the context itself is the caller's). */
  close(): Promise<void>;
}

/** replica1 serves ctx.app; replica2 is a second API built from the same config. */
export async function twoReplicas(ctx: TestContext): Promise<Replicas> {
  const replica1 = await listen(ctx.app);
  const deps = buildDeps(ctx.config, winston.createLogger({ silent: true }));
  const replica2 = await listen(createApp(deps));
  return {
    replica1,
    replica2,
    async close() {
      await close(replica1.server);
      await close(replica2.server);
      await deps.close();
    },
  };
}

/** One JSON call to a listener, as an outside client makes it. */
export function call(base: string, method: string, path: string, auth: string, body?: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method,
    headers: { Authorization: auth, Accept: "application/json", ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
}
