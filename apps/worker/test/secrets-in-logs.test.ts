// No secret in any log line: the built API and worker run as they do in production (`node
// dist/index.js`, LOG_LEVEL=silly, every byte of stdout and stderr kept) through a full flow: the
// admin creates a user, the user a token and a webhook, a producer token publishes, deliveries
// happen and are verified, the secret is rotated, a test send is made, a wrong password is tried.
// Then the admin's password, the user's password, the tokens, every signing secret (and their base64
// and Basic-header encodings) are searched for in the captured output: none may be there.
// Needs both apps built (the test command builds everything first).
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import { spawnApp, stopChild } from "@msr-webhooks/testing/app-process";
import { freePort } from "@msr-webhooks/testing/free-port";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { Webhook } from "standardwebhooks";
import { createHarness, workerDir, type Harness } from "./support/harness.js";
import { tagPushContents } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

const apiDir = path.resolve(workerDir, "../api");
const ADMIN_PASSWORD = "adm-Secr3t-Pw-7f3a91c2";
const USER_PASSWORD = "usr-Secr3t-Pw-0b8e4d16";
const WRONG_PASSWORD = "wrong-Guess-Pw-55e1aa09";

interface Child {
  process: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

function run(cwd: string, env: Record<string, string>): Child {
  const child = spawnApp(cwd, env);
  const chunks: Buffer[] = [];
  child.stdout?.on("data", (b: Buffer) => chunks.push(b));
  child.stderr?.on("data", (b: Buffer) => chunks.push(b));
  return {
    process: child,
    output: () => Buffer.concat(chunks).toString("utf8"),
    stop: () => stopChild(child),
  };
}

let h: Harness;
let receiver: Receiver;
let api: Child;
let worker: Child;
let base: string;

beforeAll(async () => {
  h = await createHarness();
  receiver = await startReceiver();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  api = run(apiDir, {
    DATABASE_URL: h.env.DATABASE_URL!,
    REDIS_URL: h.env.REDIS_URL!,
    QUEUE_PREFIX: h.prefix,
    PORT: String(port),
    HOST: "127.0.0.1",
    MSR_ADMIN_USERNAME: "admin",
    MSR_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOG_LEVEL: "silly",
    OUTBOUND_ALLOW_CIDRS: "127.0.0.0/8",
  });
  worker = run(workerDir, { ...h.env, LOG_LEVEL: "silly", WORKER_HTTP_PORT: "0" });
  await waitUntil(
    async () => {
      const res = await fetch(`${base}/healthz`).catch(() => null);
      return res?.status === 200;
    },
    { what: () => `the API to listen (${api.output()})` },
  );
});

afterAll(async () => {
  await api.stop();
  await worker.stop();
  await receiver.close();
  await h.close();
});

const basic = (user: string, secret: string): string => `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}`;

async function call(method: string, url: string, auth: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { Authorization: auth, Accept: "application/json", ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

it("logs none of the passwords, tokens or signing secrets through a full flow", async () => {
  const admin = basic("admin", ADMIN_PASSWORD);
  expect((await call("POST", "/enzi/v0/accounts", admin, { name: "maria", password: USER_PASSWORD })).status).toBe(201);
  const maria = basic("maria", USER_PASSWORD);
  expect((await call("POST", "/api/v0/repositories/maria", maria, { name: "app" })).status).toBe(201);
  const userToken = (await call("POST", "/api/v0/api_tokens", maria, { tokenLabel: "ci" })).body["token"] as string;
  const viaToken = basic("maria", userToken);
  const created = await call("POST", "/api/v0/webhooks", viaToken, {
    type: "TAG_PUSH",
    key: "maria/app",
    endpoint: `${receiver.url}/hook?auth=receiver-side-token`,
    skipTLSVerification: true,
  });
  expect(created.status).toBe(201);
  const id = created.body["id"] as string;
  const secret1 = (await call("GET", `/api/v0/webhooks/${id}/secret`, viaToken)).body["secret"] as string;
  const producer = await call("POST", "/api/v0/api_tokens", admin, { tokenLabel: "producer", role: "producer" });
  const producerToken = producer.body["token"] as string;
  const asProducer = basic("admin", producerToken);

  expect((await call("POST", "/api/v0/events", asProducer, { type: "TAG_PUSH", contents: tagPushContents("maria", "app", "one") })).status).toBe(202);
  const [first] = await receiver.waitFor(1);
  new Webhook(secret1).verify(first!.body, first!.headers as Record<string, string>);

  const rotated = await call("POST", `/api/v0/webhooks/${id}/secret/rotate`, viaToken);
  const secret2 = rotated.body["secret"] as string;
  expect(secret2).not.toBe(secret1);
  // The queue path too: a producer job straight into Redis.
  await h.publish({ type: "TAG_PUSH", contents: tagPushContents("maria", "app", "two") });
  const [, second] = await receiver.waitFor(2);
  new Webhook(secret2).verify(second!.body, second!.headers as Record<string, string>);

  const tested = await call("POST", "/api/v0/webhooks/test", viaToken, { type: "TAG_PUSH", endpoint: `${receiver.url}/t`, skipTLSVerification: true });
  const secret3 = tested.body["signingSecret"] as string;
  expect(secret3).toMatch(/^whsec_/);
  expect((await call("GET", "/api/v0/webhooks", basic("maria", WRONG_PASSWORD))).status).toBe(401);

  await api.stop();
  await worker.stop();
  const logs = `${api.output()}\n${worker.output()}`;
  // The run did log (at every level), or finding nothing would prove nothing.
  expect(logs).toContain('"message":"api listening"');
  expect(logs).toContain('"message":"worker started"');
  expect(logs).toContain('"message":"request"');
  expect(logs.split("\n").length).toBeGreaterThan(20);

  const secrets: Record<string, string> = {
    "admin password": ADMIN_PASSWORD,
    "user password": USER_PASSWORD,
    "wrong password tried": WRONG_PASSWORD,
    "user token": userToken,
    "user token's secret part": userToken.slice(32),
    "producer token": producerToken,
    "signing secret": secret1,
    "rotated signing secret": secret2,
    "test send's signing secret": secret3,
  };
  for (const s of [secret1, secret2, secret3]) secrets[`key of ${s.slice(0, 10)}`] = s.slice("whsec_".length);
  for (const [user, s] of [["admin", ADMIN_PASSWORD], ["maria", USER_PASSWORD], ["maria", userToken], ["admin", producerToken], ["maria", WRONG_PASSWORD]] as const) {
    secrets[`Basic header of ${user}:${s.slice(0, 4)}`] = Buffer.from(`${user}:${s}`).toString("base64");
  }
  const found = Object.entries(secrets)
    .filter(([, value]) => logs.includes(value))
    .map(([name]) => name);
  expect(found).toEqual([]);
});
