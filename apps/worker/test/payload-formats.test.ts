// Per-webhook payload formats and filters (issue 20), end to end through ingest, fan-out and
// delivery to a loopback receiver: every CloudEvents delivery (both modes, every event type) parses
// with the SDK's HTTP.toEvent and its data validates against the event's schema; slack and teams
// bodies have the shape each service documents and no signature headers; tag, REPO_EVENT and
// severity filters skip deliveries with the filter as the reason; settings go with their webhook.
import { Ajv } from "ajv";
import { HTTP } from "cloudevents";
import { Webhook as StandardWebhook } from "standardwebhooks";
import type { Webhook } from "@msr-webhooks/db/client";
import { generateSecret } from "@msr-webhooks/events/signing";
import { testPayload } from "@msr-webhooks/events/test-payloads";
import { EVENT_TYPES } from "@msr-webhooks/events/types";
import { validateContents } from "@msr-webhooks/events/validate";
import { startReceiver, type ReceivedRequest, type Receiver } from "@msr-webhooks/testing/receiver";
import { createHarness, type Harness } from "./support/harness.js";
import { createWebhook, ownerOfFooBar, tagPushContents, type AccountRef } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

const HOST = "msr.example.test";

let h: Harness;
let receiver: Receiver;
let admin: AccountRef;

function headersOf(req: ReceivedRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") out[k] = v;
  return out;
}

async function settle(webhook: Webhook, data: { format?: string; mode?: string; tagGlobs?: string[]; repoEvents?: string[]; minSeverity?: string }) {
  await h.db.webhookSettings.create({ data: { webhookId: webhook.id, updatedAt: new Date(), ...data } });
}

beforeAll(async () => {
  h = await createHarness({ REGISTRY_HOST: HOST });
  receiver = await startReceiver();
  admin = await ownerOfFooBar(h.db, "admin", { admin: true });
  await h.startWorker();
});

afterAll(async () => {
  await receiver.close();
  await h.close();
});

describe("cloudevents", () => {
  it("delivers every event type in both modes as CloudEvents that HTTP.toEvent parses, data valid, signed", async () => {
    const secret = generateSecret();
    const webhooks = new Map<string, Webhook>();
    for (const mode of ["structured", "binary"]) {
      for (const type of EVENT_TYPES) {
        const w = await createWebhook(h.db, { type, key: "", endpoint: `${receiver.url}/ce/${mode}/${type}`, author: admin, signingSecret: secret });
        await settle(w, { format: "cloudevents", mode });
        webhooks.set(`/ce/${mode}/${type}`, w);
      }
    }
    for (const type of EVENT_TYPES) {
      await h.publish({ type, contents: testPayload(type, HOST).contents, createdAt: "2026-12-05T10:00:00.123456Z" });
    }
    await receiver.waitFor(EVENT_TYPES.length * 2);
    await waitUntil(async () => (await h.db.delivery.count({ where: { status: "succeeded" } })) === EVENT_TYPES.length * 2, {
      what: "every CloudEvents delivery recorded as succeeded",
    });

    for (const req of receiver.requests) {
      const [, , mode, type] = req.path.split("/") as [string, string, string, (typeof EVENT_TYPES)[number]];
      const webhook = webhooks.get(req.path)!;
      const delivery = await h.db.delivery.findFirstOrThrow({ where: { webhookId: webhook.id } });
      const contentType = req.headers["content-type"] ?? "";
      if (mode === "structured") expect(contentType).toMatch(/^application\/cloudevents\+json/);
      else expect([contentType, req.headers["ce-specversion"]]).toEqual(["application/json", "1.0"]);

      const parsed = HTTP.toEvent({ headers: headersOf(req), body: req.body });
      const event = Array.isArray(parsed) ? parsed[0]! : parsed;
      expect(event.specversion).toBe("1.0");
      expect(event.id).toBe(delivery.id);
      expect(event.type).toMatch(/^com\.mirantis\.msr\.[a-z.]+$/);
      expect(event.source).toMatch(new RegExp(`^https://${HOST.replace(/\./g, "\\.")}(/|$)`));
      expect(event.time).toBe("2026-12-05T10:00:00.123Z");
      const data = typeof event.data === "string" ? (JSON.parse(event.data) as unknown) : event.data;
      expect({ type, result: validateContents(type, data) }).toMatchObject({ type, result: { ok: true } });
      // Standard Webhooks signing stays on, over the exact body.
      expect(() => new StandardWebhook(secret).verify(req.body, headersOf(req))).not.toThrow();
    }
    const tagPush = HTTP.toEvent({ headers: headersOf(receiver.requests.find((r) => r.path === "/ce/binary/TAG_PUSH")!), body: receiver.requests.find((r) => r.path === "/ce/binary/TAG_PUSH")!.body });
    expect(Array.isArray(tagPush) ? tagPush[0] : tagPush).toMatchObject({ type: "com.mirantis.msr.tag.push", source: `https://${HOST}/foo/bar`, subject: "latest" });

    // Deleting a webhook deletes its settings.
    await h.db.webhook.deleteMany({ where: { id: { in: [...webhooks.values()].map((w) => w.id) } } });
    expect(await h.db.webhookSettings.count()).toBe(0);
  });
});

// The incoming-webhook shapes as Slack (text + Block Kit blocks) and Teams (a message with one
// Adaptive Card attachment) document them, closed where the docs list every field we send.
const SLACK_SHAPE = {
  type: "object",
  required: ["text", "blocks"],
  additionalProperties: false,
  properties: {
    text: { type: "string", minLength: 1, maxLength: 40000 },
    blocks: {
      type: "array",
      maxItems: 50,
      items: {
        oneOf: [
          {
            type: "object",
            required: ["type", "text"],
            additionalProperties: false,
            properties: {
              type: { const: "section" },
              text: { type: "object", required: ["type", "text"], additionalProperties: false, properties: { type: { const: "mrkdwn" }, text: { type: "string", minLength: 1, maxLength: 3000 } } },
            },
          },
          {
            type: "object",
            required: ["type", "elements"],
            additionalProperties: false,
            properties: {
              type: { const: "actions" },
              elements: {
                type: "array",
                maxItems: 25,
                items: {
                  type: "object",
                  required: ["type", "text", "url"],
                  additionalProperties: false,
                  properties: {
                    type: { const: "button" },
                    text: { type: "object", required: ["type", "text"], properties: { type: { const: "plain_text" }, text: { type: "string", maxLength: 75 } } },
                    url: { type: "string", pattern: "^https://", maxLength: 3000 },
                  },
                },
              },
            },
          },
        ],
      },
    },
  },
};

const TEAMS_SHAPE = {
  type: "object",
  required: ["type", "attachments"],
  additionalProperties: false,
  properties: {
    type: { const: "message" },
    attachments: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["contentType", "content"],
        properties: {
          contentType: { const: "application/vnd.microsoft.card.adaptive" },
          contentUrl: { type: "null" },
          content: {
            type: "object",
            required: ["type", "version", "body"],
            properties: {
              $schema: { const: "http://adaptivecards.io/schemas/adaptive-card.json" },
              type: { const: "AdaptiveCard" },
              version: { type: "string", pattern: "^1\\.[0-6]$" },
              body: { type: "array", minItems: 1, items: { type: "object", required: ["type", "text"], properties: { type: { const: "TextBlock" }, text: { type: "string", minLength: 1 } } } },
              actions: {
                type: "array",
                items: { type: "object", required: ["type", "title", "url"], properties: { type: { const: "Action.OpenUrl" }, url: { type: "string", pattern: "^https://" } } },
              },
            },
          },
        },
      },
    },
  },
};

describe("slack, teams and filters", () => {
  it("sends readable chat messages unsigned, reaches v* and skips release-*, REPO_EVENT kinds and mild scans with the filter as the reason", async () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const slackValid = ajv.compile(SLACK_SHAPE);
    const teamsValid = ajv.compile(TEAMS_SHAPE);
    receiver.requests.length = 0;
    const slack = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${receiver.url}/slack`, author: admin });
    await settle(slack, { format: "slack" });
    const teams = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${receiver.url}/teams`, author: admin });
    await settle(teams, { format: "teams" });
    const vStar = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${receiver.url}/v-star`, author: admin });
    await settle(vStar, { tagGlobs: ["v*"] });
    const release = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${receiver.url}/release`, author: admin });
    await settle(release, { tagGlobs: ["release-*"] });
    const deletedOnly = await createWebhook(h.db, { type: "REPO_EVENT", key: "foo/bar", endpoint: `${receiver.url}/repo-deleted`, author: admin });
    await settle(deletedOnly, { repoEvents: ["REPO_DELETED"] });
    const critical = await createWebhook(h.db, { type: "SCAN_COMPLETED", key: "foo/bar", endpoint: `${receiver.url}/critical`, author: admin });
    await settle(critical, { minSeverity: "critical" });

    await h.publish({ type: "TAG_PUSH", contents: { ...tagPushContents("foo", "bar", "v1.2.3"), imageName: `${HOST}/foo/bar:v1.2.3` } });
    await h.publish({ type: "REPO_EVENT", contents: testPayload("REPO_EVENT", HOST).contents });
    const mild = testPayload("SCAN_COMPLETED", HOST).contents;
    await h.publish({ type: "SCAN_COMPLETED", contents: { ...mild, scanSummary: { ...mild.scanSummary, critical: 0 } } });
    await h.publish({ type: "SCAN_COMPLETED", contents: { ...mild, tag: "severe", scanSummary: { ...mild.scanSummary, tag: "severe", critical: 2 } } });

    await receiver.waitFor(4);
    await waitUntil(async () => (await h.db.delivery.count({ where: { status: { in: ["succeeded", "skipped"] } } })) === 7, {
      what: "4 deliveries sent and 3 skipped",
    });
    const paths = receiver.requests.map((r) => r.path).sort();
    expect(paths).toEqual(["/critical", "/slack", "/teams", "/v-star"]);

    const slackReq = receiver.requests.find((r) => r.path === "/slack")!;
    const slackBody = JSON.parse(slackReq.body) as { text: string };
    expect(slackValid(slackBody) ? [] : slackValid.errors).toEqual([]);
    expect(slackBody.text).toBe(`alice pushed foo/bar:v1.2.3 (${tagPushContents("foo", "bar").digest}) on ${HOST}`);
    const teamsReq = receiver.requests.find((r) => r.path === "/teams")!;
    const teamsBody = JSON.parse(teamsReq.body) as unknown;
    expect(teamsValid(teamsBody) ? [] : teamsValid.errors).toEqual([]);
    expect(JSON.stringify(teamsBody)).toContain(`https://${HOST}/repositories/foo/bar/tags/v1.2.3`);
    for (const req of [slackReq, teamsReq]) {
      expect(req.headers["content-type"]).toBe("application/json");
      expect(Object.keys(req.headers).filter((k) => k.startsWith("webhook-"))).toEqual([]);
    }
    // A filtered webhook without a format setting still gets the MSR envelope, signed.
    const vReq = receiver.requests.find((r) => r.path === "/v-star")!;
    expect(JSON.parse(vReq.body)).toMatchObject({ type: "TAG_PUSH", contents: { tag: "v1.2.3" }, location: "/repositories/foo/bar/tags/v1.2.3" });
    expect(vReq.headers["webhook-signature"]).toMatch(/^v1,/);
    expect(JSON.parse(receiver.requests.find((r) => r.path === "/critical")!.body)).toMatchObject({ contents: { tag: "severe" } });

    const skipped = await h.db.delivery.findMany({ where: { status: "skipped" }, orderBy: { createdAt: "asc" } });
    const reasonOf = (w: Webhook) => skipped.filter((d) => d.webhookId === w.id).map((d) => d.reason);
    expect(reasonOf(release)).toEqual(["filtered: tag v1.2.3 matches none of release-*"]);
    expect(reasonOf(deletedOnly)).toEqual(["filtered: REPO_CREATED is not one of REPO_DELETED"]);
    expect(reasonOf(critical)).toEqual(["filtered: the scan found no critical vulnerabilities"]);
  });
});
