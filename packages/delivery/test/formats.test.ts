// The payload format builders and the filter rule, as pure functions: the settings checks a schema
// cannot make (which filter fits which webhook type, globs that do not compile; the bounds are the
// API's 400s, apps/api/test/webhook-settings.test.ts), the filter's decisions, the
// CloudEvents attributes per event type, and what the chat formats say.
import { HTTP } from "cloudevents";
import { testPayload } from "@msr-webhooks/events/test-payloads";
import { EVENT_TYPES } from "@msr-webhooks/events/types";
import { cloudEventMessage, cloudEventType } from "../src/formats/cloudevents.js";
import { filterReason } from "../src/formats/filter.js";
import { formatRequest } from "../src/formats/format-request.js";
import { readableMessage } from "../src/formats/message.js";
import { DEFAULT_SETTINGS, settingsProblem, type WebhookSettings } from "../src/formats/settings.js";
import { slackEscape, slackMessage } from "../src/formats/slack.js";

const HOST = "msr.example.com";
const filters = (f: Partial<typeof DEFAULT_SETTINGS>) => ({ ...DEFAULT_SETTINGS, ...f });

describe("settings", () => {
  it("refuses filters that cannot apply to the webhook's type, a mode without cloudevents, and globs that do not compile", () => {
    const problem = (type: Parameters<typeof settingsProblem>[0], s: WebhookSettings) => settingsProblem(type, s)?.field ?? null;
    expect(problem("TAG_PUSH", { format: "msr", filters: { tags: ["v*"] } })).toBeNull();
    expect(problem("REPO_EVENT", { format: "msr", filters: { tags: ["v*"] } })).toBe("filters.tags");
    expect(problem("CHART_PUSH", { format: "msr", filters: { tags: ["v*"] } })).toBe("filters.tags");
    expect(problem("TAG_PUSH", { format: "msr", filters: { repoEvents: ["REPO_CREATED"] } })).toBe("filters.repoEvents");
    expect(problem("REPO_CREATED", { format: "msr", filters: { repoEvents: ["REPO_CREATED"] } })).toBe("filters.repoEvents");
    expect(problem("REPO_EVENT", { format: "msr", filters: { repoEvents: ["REPO_DELETED"] } })).toBeNull();
    expect(problem("SCAN_FAILED", { format: "msr", filters: { minSeverity: "major" } })).toBe("filters.minSeverity");
    expect(problem("SCAN_COMPLETED", { format: "msr", filters: { minSeverity: "major" } })).toBeNull();
    expect(problem("TAG_PUSH", { format: "slack", mode: "binary" })).toBe("mode");
    expect(problem("TAG_PUSH", { format: "msr", filters: { tags: ["v[1-"] } })).toBe("filters.tags");
    // Empty lists are no filter, whatever the type.
    expect(problem("REPO_EVENT", { format: "msr", filters: { tags: [], repoEvents: [], minSeverity: null } })).toBeNull();
  });
});

describe("filterReason", () => {
  const push = (tag: string) => ({ ...testPayload("TAG_PUSH", HOST).contents, tag });

  it("matches tags against globs (any one is enough) and says which globs a skipped tag missed", () => {
    expect(filterReason(filters({ tagGlobs: ["v*"] }), "TAG_PUSH", push("v1.2.3"))).toBeNull();
    expect(filterReason(filters({ tagGlobs: ["release-*", "v*"] }), "TAG_PUSH", push("v1.2.3"))).toBeNull();
    expect(filterReason(filters({ tagGlobs: ["release-*"] }), "TAG_PUSH", push("v1.2.3"))).toBe("filtered: tag v1.2.3 matches none of release-*");
    expect(filterReason(filters({ tagGlobs: ["v+([0-9]).+([0-9]).+([0-9])"] }), "TAG_PUSH", push("v10.2.3"))).toBeNull();
    expect(filterReason(filters({ tagGlobs: ["v{1,2}.*"] }), "TAG_PUSH", push("v3.0"))).toMatch(/^filtered:/);
    // Promotions and mirrors are about their target tag.
    expect(filterReason(filters({ tagGlobs: ["latest"] }), "PROMOTION", testPayload("PROMOTION", HOST).contents)).toBeNull();
    // A manifest without a tag matches no tag glob.
    const untagged: Record<string, unknown> = { ...testPayload("MANIFEST_PUSH", HOST).contents };
    delete untagged["tag"];
    expect(filterReason(filters({ tagGlobs: ["*"] }), "MANIFEST_PUSH", untagged)).toMatch(/has no tag/);
  });

  it("filters REPO_EVENT kinds and scans by severity, and nothing else", () => {
    const repo = testPayload("REPO_EVENT", HOST).contents;
    expect(filterReason(filters({ repoEvents: ["REPO_CREATED"] }), "REPO_EVENT", repo)).toBeNull();
    expect(filterReason(filters({ repoEvents: ["REPO_UPDATED", "REPO_DELETED"] }), "REPO_EVENT", repo)).toBe(
      "filtered: REPO_CREATED is not one of REPO_UPDATED, REPO_DELETED",
    );
    const scan = testPayload("SCAN_COMPLETED", HOST).contents;
    const withCounts = (critical: number, major: number) => ({ ...scan, scanSummary: { ...scan.scanSummary, critical, major } });
    expect(filterReason(filters({ minSeverity: "critical" }), "SCAN_COMPLETED", withCounts(1, 0))).toBeNull();
    expect(filterReason(filters({ minSeverity: "critical" }), "SCAN_COMPLETED", withCounts(0, 5))).toMatch(/no critical/);
    expect(filterReason(filters({ minSeverity: "major" }), "SCAN_COMPLETED", withCounts(0, 5))).toBeNull();
    expect(filterReason(filters({ minSeverity: "major" }), "SCAN_COMPLETED", withCounts(0, 0))).toMatch(/no critical or major/);
    expect(filterReason(DEFAULT_SETTINGS, "TAG_PUSH", push("anything"))).toBeNull();
  });
});

describe("cloudevents", () => {
  it("names every event type com.mirantis.msr.*, REPO_EVENT by its kind", () => {
    const types = EVENT_TYPES.map((t) => cloudEventType(t, testPayload(t, HOST).contents as Record<string, unknown>));
    expect(new Set(types).size).toBe(EVENT_TYPES.length);
    for (const t of types) expect(t).toMatch(/^com\.mirantis\.msr\.[a-z]+(\.[a-z]+)*$/);
    expect(cloudEventType("TAG_PUSH", {})).toBe("com.mirantis.msr.tag.push");
    expect(cloudEventType("REPO_EVENT", { event: "REPO_DELETED" })).toBe("com.mirantis.msr.repository.deleted");
  });

  it("round-trips through the SDK in both modes with the delivery id, source, subject and time", () => {
    for (const mode of ["structured", "binary"] as const) {
      const input = { id: "d-1", type: "TAG_PUSH", time: "2026-12-05T10:00:00.5Z", contents: testPayload("TAG_PUSH", HOST).contents, registryHost: HOST };
      const message = cloudEventMessage(input, mode);
      const event = HTTP.toEvent(message);
      expect(Array.isArray(event) ? event[0] : event).toMatchObject({
        id: "d-1",
        source: `https://${HOST}/foo/bar`,
        subject: "latest",
        time: "2026-12-05T10:00:00.500Z",
        data: input.contents,
      });
    }
  });
});

describe("formatRequest", () => {
  const event = () => ({ type: "TAG_PUSH", contents: testPayload("TAG_PUSH", HOST).contents, location: "/repositories/foo/bar/tags/latest", registryHost: HOST, createdAt: "2015-01-02T15:04:05Z" });
  const base = { deliveryId: "d-1", msrBody: '{"type":"TAG_PUSH"}', event, secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], timestamp: 1, userAgent: "ua" };

  it("sends the msr body byte for byte, signed; cloudevents signed; slack and teams unsigned", () => {
    const msr = formatRequest({ ...base, format: "msr", mode: "structured" });
    expect(msr.body).toBe(base.msrBody);
    expect(msr.headers["webhook-signature"]).toMatch(/^v1,/);
    expect(formatRequest({ ...base, format: "cloudevents", mode: "binary" }).headers["webhook-signature"]).toMatch(/^v1,/);
    for (const format of ["slack", "teams"] as const) {
      const req = formatRequest({ ...base, format, mode: "structured" });
      expect(Object.keys(req.headers).sort()).toEqual(["Content-Type", "User-Agent"]);
    }
  });
});

describe("chat messages", () => {
  it("says who did what, where, with a link, for every event type", () => {
    for (const type of EVENT_TYPES) {
      const { contents, location } = testPayload(type, HOST);
      const m = readableMessage({ type, contents, location: location ?? null, registryHost: HOST });
      expect(m.text).toContain(HOST);
      expect(m.text).not.toMatch(/\?|undefined/);
      expect(m.link).toBe(`https://${HOST}${location ?? "/"}`);
    }
  });

  it("escapes Slack's control characters", () => {
    expect(slackEscape("a<b>&c")).toBe("a&lt;b&gt;&amp;c");
    const m = slackMessage({ type: "SCAN_FAILED", contents: { ...testPayload("SCAN_FAILED", HOST).contents, error: "<script>" }, location: null, registryHost: HOST }) as { text: string };
    expect(m.text).toContain("&lt;script&gt;");
  });
});
