// The console end to end (issue 16): a real Chromium against the real API, worker, PostgreSQL,
// Redis and a loopback receiver. Each step scans its view with axe-core (no serious or critical
// violation) and saves a screenshot under test-output/.
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, newPage, screenshot, seriousViolations } from "./support/browser.js";
import { ADMIN, apiCall, startStack, type Stack } from "./support/processes.js";

let stack: Stack;
let browser: Browser;
let receiver: Receiver;
let page: Page;
let failing = false;
let webhookId = "";
const BOB = { username: "bob", password: "bob-password-1" };

/** Repeats `step` (which may click Refresh) until `check` holds; names what it waited for. */
async function until(what: string, step: () => Promise<void>, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 60; i++) {
    await step();
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function expectAccessible(p: Page, view: string): Promise<void> {
  const violations = await seriousViolations(p);
  expect({ view, violations: violations.map((v) => `${v.id}: ${v.help} ${JSON.stringify(v.nodes.map((n) => n.target))}`) }).toEqual({ view, violations: [] });
}

async function signIn(p: Page, user: { username: string; password: string }): Promise<void> {
  await p.goto(stack.base);
  await p.getByLabel("Username").fill(user.username);
  await p.getByLabel("Password").fill(user.password);
  await p.getByRole("button", { name: "Sign in" }).click();
  await p.getByText(`Signed in as ${user.username}`).waitFor();
}

function publishTagPush(tag: string): Promise<unknown> {
  return apiCall(stack.base, "POST", "/api/v0/events", {
    type: "TAG_PUSH",
    contents: { namespace: "admin", repository: "web", tag, digest: `sha256:${"a".repeat(64)}`, imageName: `registry.test:5000/admin/web:${tag}`, os: "linux", architecture: "amd64", author: "admin", pushedAt: "2024-05-01T12:00:00Z" },
  });
}

beforeAll(async () => {
  stack = await startStack();
  receiver = await startReceiver({ handler: () => ({ status: failing ? 500 : 200, body: failing ? "down for maintenance" : "ok" }) });
  await apiCall(stack.base, "POST", "/api/v0/repositories/admin", { name: "web" });
  await apiCall(stack.base, "POST", "/enzi/v0/accounts", { name: BOB.username, password: BOB.password });
  browser = await launchBrowser();
  page = await newPage(browser);
});

afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await stack?.stop();
});

describe("the web console", () => {
  it("signs in with the labelled form", async () => {
    await page.goto(stack.base);
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await expectAccessible(page, "sign-in");
    await screenshot(page, "01-sign-in");
    await signIn(page, ADMIN);
    expect(await page.evaluate(() => JSON.stringify(window.localStorage))).toBe("{}");
    await expectAccessible(page, "home");
    await screenshot(page, "02-home");
  });

  it("creates a repository webhook and tests it: the receiver's 200 and the payload sent", async () => {
    await page.getByLabel("Repository (namespace/name)").fill("admin/web");
    await page.getByRole("button", { name: "Open repository" }).click();
    await page.getByRole("heading", { name: "Webhooks of repository admin/web" }).waitFor();
    await page.getByLabel("Event type").selectOption("TAG_PUSH");
    await page.getByLabel("Endpoint URL").fill(`${receiver.url}/hook`);
    await page.getByLabel("Skip TLS verification (also allows http://)").check();
    await page.getByRole("button", { name: "Create webhook" }).click();
    await page.getByText(`Created a TAG_PUSH webhook to ${receiver.url}/hook.`).waitFor();
    await page.getByRole("cell", { name: `${receiver.url}/hook`, exact: true }).waitFor();
    await page.getByRole("button", { name: /^Test TAG_PUSH webhook/ }).click();
    await page.getByText("Delivered: receiver status 200").waitFor();
    expect(await page.getByLabel("Payload sent").textContent()).toContain('"type": "TAG_PUSH"');
    expect(receiver.requests.length).toBe(1);
    await expectAccessible(page, "repository webhooks");
    await screenshot(page, "03-repository-webhooks");
  });

  it("shows a published event's delivery and its attempt in the log", async () => {
    await page.getByRole("link", { name: "TAG_PUSH" }).click();
    webhookId = decodeURIComponent(new URL(page.url()).pathname.split("/")[2]!);
    await page.getByRole("heading", { name: "Delivery log" }).waitFor();
    await publishTagPush("v1");
    const log = page.getByRole("region", { name: "Delivery log" });
    await until(
      "the delivery to succeed",
      () => page.getByRole("button", { name: "Refresh" }).click(),
      async () => (await log.getByRole("cell", { name: "succeeded" }).count()) === 1,
    );
    await page.getByLabel("Event type").selectOption("TAG_DELETE");
    await page.getByText("No deliveries match these filters.").waitFor();
    await page.getByLabel("Event type").selectOption("TAG_PUSH");
    await log.getByRole("cell", { name: "succeeded" }).waitFor();
    await expectAccessible(page, "webhook");
    await screenshot(page, "04-delivery-log");
    await log.getByRole("link", { name: /^View / }).click();
    await page.getByRole("heading", { name: "Delivery of TAG_PUSH (succeeded)" }).waitFor();
    const attempts = page.getByRole("table").first();
    expect(await attempts.getByRole("cell", { name: "200", exact: true }).count()).toBe(1);
    expect(await attempts.getByRole("cell", { name: "scheduled" }).count()).toBe(1);
    expect(await page.getByLabel("Request body").textContent()).toContain('"tag": "v1"');
    await expectAccessible(page, "delivery");
    await screenshot(page, "05-delivery");
  });

  it("shows retries while the receiver fails, then Redeliver succeeds once it recovers", async () => {
    failing = true;
    await page.goto(`${stack.base}/webhooks/${webhookId}`);
    await publishTagPush("v2");
    const log = page.getByRole("region", { name: "Delivery log" });
    await until(
      "the failing delivery to give up after its retries",
      () => page.getByRole("button", { name: "Refresh" }).click(),
      async () => (await log.getByRole("cell", { name: "failed" }).count()) === 1,
    );
    const row = log.getByRole("row").filter({ has: page.getByRole("cell", { name: "failed" }) });
    expect(await row.getByRole("cell", { name: "4", exact: true }).count()).toBe(1); // 1 attempt + 3 retries
    expect(await row.getByRole("cell", { name: "500", exact: true }).count()).toBe(1);
    await screenshot(page, "06-retries");
    await screenshot(log, "delivery-log");
    failing = false;
    await row.getByRole("link", { name: /^View / }).click();
    await page.getByRole("heading", { name: "Delivery of TAG_PUSH (failed)" }).waitFor();
    await page.getByRole("button", { name: "Redeliver" }).click();
    await page.getByText("Queued for an attempt now").waitFor();
    await until(
      "the redelivery to succeed",
      () => page.getByRole("button", { name: "Refresh" }).click(),
      async () => (await page.getByRole("heading", { name: "Delivery of TAG_PUSH (succeeded)" }).count()) === 1,
    );
    expect(await page.getByRole("cell", { name: "manual" }).count()).toBe(1);
    await screenshot(page, "07-redelivered");
  });

  it("shows a system admin the overview: outcomes per minute and the endpoint failing most", async () => {
    await page.getByRole("link", { name: "Overview" }).click();
    await page.getByRole("heading", { name: "Endpoints failing most" }).waitFor();
    const failing = page.getByRole("region", { name: "Endpoints failing most" });
    expect(await failing.getByRole("cell", { name: `${receiver.url}/hook`, exact: true }).count()).toBe(1);
    expect(await page.getByText(/\d+ attempts succeeded, [1-9]\d* failed/).count()).toBe(1);
    await expectAccessible(page, "overview");
    await screenshot(page, "08-overview");
  });

  it("reveals and rotates the signing secret", async () => {
    await page.goto(`${stack.base}/webhooks/${webhookId}`);
    await page.getByRole("button", { name: "Reveal secret" }).click();
    const before = await page.getByLabel("Current signing secret").textContent();
    expect(before).toMatch(/^whsec_/);
    await page.getByRole("button", { name: "Rotate secret" }).click();
    await page.getByText("Rotated. The old secret still signs until").waitFor();
    const after = await page.getByLabel("Current signing secret").textContent();
    expect(after).toMatch(/^whsec_/);
    expect(after).not.toBe(before);
    expect(await page.getByLabel("Verification code in Node.js").textContent()).toContain(after!);
    await expectAccessible(page, "webhook with secret");
    await screenshot(page, "09-secret");
  });

  it("sets the payload format to Slack with a tag filter, and its test sends the Slack message, unsigned", async () => {
    await page.goto(`${stack.base}/webhooks/${webhookId}`);
    await page.getByLabel("Format", { exact: true }).selectOption("slack");
    await page.getByLabel(/^Only tags matching/).fill("v*");
    await page.getByRole("button", { name: "Save payload settings" }).click();
    await page.getByText("Saved. Deliveries use it from a few seconds on.").waitFor();
    const before = receiver.requests.length;
    await page.getByRole("button", { name: "Send a test in this format" }).click();
    await page.getByText("Delivered as slack: receiver status 200").waitFor();
    await page.getByText("A real event like this example would be skipped: filtered: tag latest matches none of v*.").waitFor();
    const sent = receiver.requests[before]!;
    expect(JSON.parse(sent.body)).toMatchObject({ text: expect.stringContaining("pushed foo/bar:latest") });
    expect(sent.headers["webhook-signature"]).toBeUndefined();
    await expectAccessible(page, "payload settings");
    await screenshot(page, "09b-payload-settings");
    // Back to the MSR payload for the steps after this one.
    await page.getByLabel("Format", { exact: true }).selectOption("msr");
    await page.getByLabel(/^Only tags matching/).fill("");
    await page.getByRole("button", { name: "Save payload settings" }).click();
    await page.getByText("Saved. Deliveries use it from a few seconds on.").waitFor();
  });

  it("edits a webhook (inactive, then re-enabled from its health panel) and deletes one after a confirmation", async () => {
    await page.goto(`${stack.base}/webhooks/${webhookId}`);
    await page.getByLabel("Active", { exact: true }).uncheck();
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Subscribed to repository admin/web. Inactive.", { exact: true }).waitFor();
    await page.getByRole("button", { name: "Re-enable webhook" }).click();
    await page.getByText("Subscribed to repository admin/web. Active.", { exact: true }).waitFor();
    expect(await page.getByLabel("Active", { exact: true }).isChecked()).toBe(true);

    await page.goto(`${stack.base}/repositories/admin/web`);
    await page.getByLabel("Event type").selectOption("TAG_DELETE");
    await page.getByLabel("Endpoint URL").fill(`${receiver.url}/to-delete`);
    await page.getByLabel("Skip TLS verification (also allows http://)").check();
    await page.getByRole("button", { name: "Create webhook" }).click();
    await page.getByRole("cell", { name: `${receiver.url}/to-delete`, exact: true }).waitFor();
    await page.getByRole("button", { name: `Delete TAG_DELETE webhook to ${receiver.url}/to-delete` }).click();
    await page.getByRole("group", { name: "Confirm deletion" }).waitFor();
    await expectAccessible(page, "delete confirmation");
    await page.getByRole("button", { name: "Yes, delete" }).click();
    await page.getByRole("cell", { name: `${receiver.url}/to-delete`, exact: true }).waitFor({ state: "detached" });
    const left = (await apiCall(stack.base, "GET", "/api/v0/repositories/admin/web/webhooks")) as { endpoint: string }[];
    expect(left.map((w) => w.endpoint)).toEqual([`${receiver.url}/hook`]);
  });

  it("shows a non-admin neither others' webhooks nor the admin overview", async () => {
    const bob = await newPage(browser);
    // With the keyboard only: the form's fields and button in tab order, Enter submits.
    await bob.goto(stack.base);
    await bob.getByRole("button", { name: "Sign in" }).waitFor();
    await bob.keyboard.press("Tab");
    await bob.keyboard.type(BOB.username);
    await bob.keyboard.press("Tab");
    await bob.keyboard.type(BOB.password);
    await bob.keyboard.press("Enter");
    await bob.getByText(`Signed in as ${BOB.username}`).waitFor();
    await bob.getByText("No webhooks yet").waitFor();
    expect(await bob.getByRole("link", { name: "Overview" }).count()).toBe(0);
    await bob.goto(`${stack.base}/webhooks/${webhookId}`);
    await bob.getByRole("alert").waitFor();
    expect(await bob.getByText("Delivery log").count()).toBe(0);
    await bob.goto(`${stack.base}/repositories/admin/web`);
    await bob.getByRole("alert").waitFor();
    expect(await bob.getByText(receiver.url).count()).toBe(0);
    await bob.goto(`${stack.base}/overview`);
    await bob.getByText("The overview is for system admins only.").waitFor();
    await expectAccessible(bob, "overview (non-admin)");
    await screenshot(bob, "10-non-admin");
    await bob.context().close();
  });

  it("runs under the API's own Content-Security-Policy (no inline script)", async () => {
    const strict = await newPage(browser, { csp: true });
    const problems: string[] = [];
    // (The first GET /api/v0/session is a 401 before signing in: that error is expected.)
    strict.on("console", (m) => m.type() === "error" && /Content Security Policy|Refused to/.test(m.text()) && problems.push(m.text()));
    strict.on("pageerror", (e) => problems.push(e.message));
    await signIn(strict, ADMIN);
    await strict.getByRole("link", { name: "Overview" }).click();
    await strict.getByRole("heading", { name: "Endpoints failing most" }).waitFor();
    expect(problems).toEqual([]);
    await strict.context().close();
  });

  it("ends the session on sign-out", async () => {
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === "msrwh_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await page.reload();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    const res = await fetch(`${stack.base}/api/v0/webhooks`, { headers: { Cookie: `msrwh_session=${session!.value}`, Accept: "application/json" } });
    expect(res.status).toBe(401);
    await screenshot(page, "11-signed-out");
  });
});
