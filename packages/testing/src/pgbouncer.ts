// Debian's PgBouncer in transaction mode in front of the test PostgreSQL, on a free loopback port
// with its own temporary directory: how large installations pool connections. Few server
// connections are shared by many clients, so anything that relies on a session (a startup
// parameter, a SET, a named prepared statement) breaks through it as it would in production.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { adminUrl } from "./database.js";
import { freePort } from "./free-port.js";

export interface PgBouncer {
  port: number;
  /** The URL of database `name` through PgBouncer, with `pgbouncer=true` as the apps expect. */
  url(name: string): string;
  /** `SHOW <what>` on PgBouncer's admin console (e.g. STATS, POOLS). */
  show(what: string): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

const CANDIDATES = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"];

/** The pgbouncer binary, or null when it is not installed. */
export function pgbouncerBinary(): string | null {
  const onPath = spawnSync("pgbouncer", ["--version"], { stdio: "ignore" });
  if (onPath.status === 0) return "pgbouncer";
  return CANDIDATES.find((candidate) => existsSync(candidate)) ?? null;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * Starts PgBouncer with `pool_mode = transaction` and `poolSize` server connections per database
 * and user, against the PostgreSQL of the test databases. Runs as the postgres user when started as
 * root (PgBouncer refuses to run as root). Null when pgbouncer is not installed.
 */
export async function startPgBouncer(poolSize = 4): Promise<PgBouncer | null> {
  const binary = pgbouncerBinary();
  if (binary === null) return null;
  const target = new URL(adminUrl());
  const user = decodeURIComponent(target.username || "postgres");
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), "msrwh-pgbouncer-"));
  writeFileSync(path.join(dir, "userlist.txt"), `"${user}" ""\n`);
  writeFileSync(
    path.join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `* = host=${target.hostname} port=${target.port || "5432"}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${path.join(dir, "userlist.txt")}`,
      `admin_users = ${user}`,
      "pool_mode = transaction",
      `default_pool_size = ${poolSize}`,
      "max_client_conn = 500",
      `logfile = ${path.join(dir, "pgbouncer.log")}`,
      "",
    ].join("\n"),
  );
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    for (const file of ["", "userlist.txt", "pgbouncer.ini"]) chownSync(path.join(dir, file), uid, gid);
  }
  const ini = path.join(dir, "pgbouncer.ini");
  const child: ChildProcess = asRoot
    ? spawn("runuser", ["-u", "postgres", "--", binary, ini], { stdio: "ignore" })
    : spawn(binary, [ini], { stdio: "ignore" });
  const log = (): string => {
    try {
      return readFileSync(path.join(dir, "pgbouncer.log"), "utf8");
    } catch {
      return "";
    }
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      // runuser passes SIGTERM on; PgBouncer then shuts down at once.
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; !(await listening(port)); i += 1) {
    if (child.exitCode !== null || i > 100) {
      const text = log();
      await stop();
      throw new Error(`pgbouncer did not start on ${port}: ${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const url = (name: string): string => `postgresql://${encodeURIComponent(user)}@127.0.0.1:${port}/${name}?pgbouncer=true`;
  return {
    port,
    url,
    async show(what) {
      // The admin console speaks the simple query protocol only: a query without parameters.
      const client = new pg.Client({ connectionString: `postgresql://${encodeURIComponent(user)}@127.0.0.1:${port}/pgbouncer` });
      await client.connect();
      try {
        return (await client.query(`SHOW ${what}`)).rows as Record<string, unknown>[];
      } finally {
        await client.end();
      }
    },
    stop,
  };
}
