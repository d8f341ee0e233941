// The API as a process: a port that is already taken stops the start with a message naming the
// address and a non-zero exit, instead of logging "api listening" with no socket behind it.
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "@msr-webhooks/testing/database";
import { deletePrefix, redisUrl, testQueuePrefix } from "@msr-webhooks/testing/redis";

const apiEntry = path.resolve(import.meta.dirname, "../dist/index.js");

let database: TestDatabase;
let taken: net.Server;
const queuePrefix = testQueuePrefix();
const children: ChildProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
});

afterAll(async () => {
  // A start that does not fail (the bug this proves gone) would otherwise outlive the test.
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await new Promise<void>((resolve) => taken.close(() => resolve()));
  await database.drop();
  await deletePrefix(queuePrefix);
});

function runApi(port: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [apiEntry], {
    env: {
      PATH: process.env.PATH ?? "",
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl(),
      QUEUE_PREFIX: queuePrefix,
      MSR_ADMIN_PASSWORD: "admin-password-1",
      HOST: "127.0.0.1",
      PORT: String(port),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stdout, stderr })));
}

it("exits 1 naming the address when its port is taken, and never claims to listen", async () => {
  const { port } = taken.address() as net.AddressInfo;
  const result = await runApi(port);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
  expect(result.stdout).not.toContain("api listening");
});
