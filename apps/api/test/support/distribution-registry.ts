// A real CNCF Distribution registry (Debian's `docker-registry`) on loopback for one test file:
// a generated config (free port, storage in a temp dir, htpasswd users, deletes enabled, a
// `notifications:` endpoint), and skopeo to push and pull. scripts/ensure-services.sh installs
// both tools; a machine without them fails here with that hint.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface RegistryUser {
  name: string;
  password: string;
  /** bcrypt hash of the password (htpasswd accepts only bcrypt). */
  bcrypt: string;
}

/** Fixed test accounts; their bcrypt hashes are computed once (cost 4) and kept here. */
export const PUSHER: RegistryUser = {
  name: "pusher",
  password: "pusher-password-1",
  bcrypt: "$2b$04$KbCHRp/tTkghydUWpr4NjuIke2fna6nQZlyuR0lIcaTHJeiklTlD2",
};
export const READER: RegistryUser = {
  name: "reader",
  password: "reader-password-1",
  bcrypt: "$2b$04$eJcamuIZ7UgLRyw566Z.IuW99nam.DGZpqxUGFPOXH2aPaT9Um77m",
};

export interface RegistryOptions {
  /** Where the registry posts its notifications. */
  notifyUrl: string;
  /** Sent as `Authorization: Bearer <token>` with every notification. */
  notifyToken: string;
  users: RegistryUser[];
}

export interface DistributionRegistry {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** host:port, as skopeo's docker:// references need it. */
  host: string;
  /** Everything the registry wrote (its log), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function requireTool(command: string, args: string[]): Promise<void> {
  try {
    await run(command, args, { timeout: 10_000 });
  } catch (err) {
    throw new Error(
      `${command} is needed by this test and did not run (${err instanceof Error ? err.message : String(err)}); ` +
        "install it with scripts/ensure-services.sh (apt-get install -y docker-registry skopeo)",
    );
  }
}

function config(dir: string, port: number, options: RegistryOptions): string {
  return `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${path.join(dir, "storage")}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
  secret: test-http-secret
auth:
  htpasswd:
    realm: test-registry
    path: ${path.join(dir, "htpasswd")}
notifications:
  endpoints:
    - name: msr-webhooks
      url: ${options.notifyUrl}
      headers:
        Authorization: [Bearer ${options.notifyToken}]
      timeout: 3s
      threshold: 1
      backoff: 1s
`;
}

export async function startDistributionRegistry(options: RegistryOptions): Promise<DistributionRegistry> {
  await requireTool("docker-registry", ["--version"]);
  await requireTool("skopeo", ["--version"]);
  const dir = await mkdtemp(path.join(os.tmpdir(), "msrwh-registry-"));
  const port = await freePort();
  await writeFile(path.join(dir, "htpasswd"), options.users.map((u) => `${u.name}:${u.bcrypt}\n`).join(""));
  await writeFile(path.join(dir, "config.yml"), config(dir, port, options));
  let output = "";
  const child: ChildProcess = spawn("docker-registry", ["serve", path.join(dir, "config.yml")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (b: Buffer) => (output += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (output += b.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  // Up once /v2/ answers (401: it asks for credentials). The limit only catches a registry that
  // never comes up; a loaded machine may take a while to start it.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = await fetch(`${url}/v2/`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 401 || status === 200) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`docker-registry did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, host: `127.0.0.1:${port}`, output: () => output, stop };
}

/** Runs skopeo (no signature policy, plain HTTP to loopback); throws with its output on failure. */
export async function skopeo(args: string[]): Promise<string> {
  try {
    const { stdout } = await run("skopeo", ["--insecure-policy", ...args], { timeout: 60_000 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`skopeo ${args.join(" ")} failed: ${e.stderr ?? e.message}`);
  }
}
