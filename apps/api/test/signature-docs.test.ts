// The verification code in docs/signatures.md, run as written: the Node.js sample (the public
// standardwebhooks package) and the plain-hmac Python sample each accept a real request signed by
// POST /webhooks/test, and refuse a changed body, a wrong secret and an old timestamp; Python also
// accepts either signature during a rotation. (The Go sample needs a Go toolchain, which this
// machine does not have.)
import { execFile, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { generateSecret, signatureHeaders } from "@msr-webhooks/events/signing";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { ADMIN, as, createTestContext, type TestContext } from "./support/test-context.js";

const run = promisify(execFile);
const apiDir = path.resolve(import.meta.dirname, "..");
const docs = readFileSync(path.resolve(apiDir, "../../docs/signatures.md"), "utf8");

/** The first fenced block of `language` after the heading that starts with `heading`. */
function block(heading: string, language: string): string {
  const at = docs.indexOf(`\n## ${heading}`);
  if (at < 0) throw new Error(`docs/signatures.md has no "## ${heading}" section`);
  const match = new RegExp("```" + language + "\\n([\\s\\S]*?)```").exec(docs.slice(at));
  if (!match) throw new Error(`no ${language} block under "${heading}"`);
  return match[1]!;
}

interface Signed {
  secret: string;
  headers: Record<string, string>;
  body: string;
}

const python = (() => {
  try {
    execFileSync("python3", ["--version"], { stdio: "pipe" });
    return true;
  } catch {
    return false;
  }
})();

async function nodeSample(input: Signed): Promise<string> {
  const driver = `
const input = JSON.parse(process.env.SIGNED);
try { verify(input.secret, input.headers, input.body); console.log("valid"); } catch { console.log("invalid"); }`;
  // Run from apps/api so the sample's imports (express, standardwebhooks) resolve.
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", block("Node.js", "js") + driver], {
    cwd: apiDir,
    env: { ...process.env, SIGNED: JSON.stringify(input), WEBHOOK_SECRET: input.secret },
  });
  return stdout.trim();
}

async function pythonSample(input: Signed): Promise<string> {
  const driver = `
import json, os
_input = json.loads(os.environ["SIGNED"])
print("valid" if verify(_input["secret"], _input["headers"], _input["body"].encode()) else "invalid")`;
  const { stdout } = await run("python3", ["-c", block("Python: plain", "python") + driver], {
    env: { ...process.env, SIGNED: JSON.stringify(input) },
  });
  return stdout.trim();
}

let ctx: TestContext;
let receiver: Receiver;
let real: Signed;

beforeAll(async () => {
  ctx = await createTestContext();
  receiver = await startReceiver();
  const res = await as(ctx, ADMIN.username, ADMIN.password)
    .post("/api/v0/webhooks/test")
    .send({ type: "TAG_PUSH", endpoint: `${receiver.url}/hook`, skipTLSVerification: true })
    .expect(200);
  const [request] = await receiver.waitFor(1);
  const pick = (name: string) => String(request!.headers[name]);
  real = {
    secret: (res.body as { signingSecret: string }).signingSecret,
    headers: { "webhook-id": pick("webhook-id"), "webhook-timestamp": pick("webhook-timestamp"), "webhook-signature": pick("webhook-signature") },
    body: request!.body,
  };
});

afterAll(async () => {
  await receiver.close();
  await ctx.close();
});

function variants(signed: Signed): [string, Signed, string][] {
  const old = Math.floor(Date.now() / 1000) - 3600;
  return [
    ["a real signed request", signed, "valid"],
    ["a changed body", { ...signed, body: signed.body.replace("TAG_PUSH", "TAG_PULL") }, "invalid"],
    ["another secret", { ...signed, secret: generateSecret() }, "invalid"],
    [
      "a correct signature an hour old",
      {
        ...signed,
        headers: { ...signatureHeaders({ msgId: signed.headers["webhook-id"]!, timestamp: old, body: signed.body, secrets: [signed.secret] }) },
      },
      "invalid",
    ],
  ];
}

const CASES = ["a real signed request", "a changed body", "another secret", "a correct signature an hour old"];

function variant(label: string): [Signed, string] {
  const found = variants(real).find(([name]) => name === label);
  if (!found) throw new Error(`no case ${label}`);
  return [found[1], found[2]];
}

describe("the Node.js sample (standardwebhooks)", () => {
  it.each(CASES)("on %s", async (label) => {
    const [input, expected] = variant(label);
    expect(await nodeSample(input)).toBe(expected);
  });
});

(python ? describe : describe.skip)("the Python sample (plain hmac)", () => {
  it.each(CASES)("on %s", async (label) => {
    const [input, expected] = variant(label);
    expect(await pythonSample(input)).toBe(expected);
  });

  it("accepts either secret during a rotation (two signatures in one header)", async () => {
    const [fresh, previous] = [generateSecret(), generateSecret()];
    const body = real.body;
    const headers = { ...signatureHeaders({ msgId: "d-1", timestamp: Math.floor(Date.now() / 1000), body, secrets: [fresh, previous] }) };
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(await pythonSample({ secret: previous, headers, body })).toBe("valid");
    expect(await pythonSample({ secret: fresh, headers, body })).toBe("valid");
  });
});
