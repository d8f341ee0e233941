// The fixed example payloads of POST /webhooks/test (API section 3, "Test payloads").
import { testPayload } from "../src/test-payloads.js";
import { validateContents } from "../src/validate.js";
import { EVENT_TYPES } from "../src/types.js";

const HOST = "reg.example.com";
const DIGEST = "sha256:b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c";
const TIME = "2015-01-02T15:04:05Z";

describe("testPayload", () => {
  it.each(EVENT_TYPES)("%s validates against its schema", (type) => {
    const result = validateContents(type, testPayload(type, HOST).contents);
    expect(result).toEqual({ ok: true, contents: testPayload(type, HOST).contents });
  });

  it("gives the contract's TAG_PUSH example, field by field", () => {
    const { contents, location } = testPayload("TAG_PUSH", HOST);
    expect(contents.namespace).toBe("foo");
    expect(contents.repository).toBe("bar");
    expect(contents.tag).toBe("latest");
    expect(contents.digest).toBe(DIGEST);
    expect(contents.imageName).toBe("reg.example.com/foo/bar:latest");
    expect(contents.os).toBe("linux");
    expect(contents.architecture).toBe("amd64");
    expect(contents.author).toBe("");
    expect(contents.pushedAt).toBe(TIME);
    expect(Object.keys(contents)).toEqual([
      "namespace",
      "repository",
      "tag",
      "digest",
      "imageName",
      "os",
      "architecture",
      "author",
      "pushedAt",
    ]);
    expect(location).toBe("/repositories/foo/bar/tags/latest");
  });

  it("uses pulledAt / deletedAt for the other tag events", () => {
    expect(testPayload("TAG_PULL", HOST).contents.pulledAt).toBe(TIME);
    expect(testPayload("TAG_DELETE", HOST).contents.deletedAt).toBe(TIME);
    expect("pushedAt" in testPayload("TAG_PULL", HOST).contents).toBe(false);
  });

  it("names manifests as DTR's test payload does: host/ns/repo:tag, with the tag and the digest", () => {
    const { contents, location } = testPayload("MANIFEST_PUSH", "reg.example.com:8443");
    expect(contents.imageName).toBe("reg.example.com:8443/foo/bar:latest");
    expect(contents.tag).toBe("latest");
    expect(contents.digest).toBe(DIGEST);
    expect(contents.pushedAt).toBe(TIME);
    expect(location).toBe(`/repositories/foo/bar/manifests/${DIGEST}`);
  });

  it("uses the fixed time for every time field of every type", () => {
    const times = (o: unknown): unknown[] =>
      typeof o === "object" && o !== null
        ? Object.entries(o).flatMap(([k, v]) => (/At$|_at$/.test(k) ? [v] : times(v)))
        : [];
    // SCAN_FAILED and REPO_EVENT carry no time of their own.
    const found = EVENT_TYPES.flatMap((t) => times(testPayload(t, HOST).contents));
    expect(found).toHaveLength(17);
    expect(new Set(found)).toEqual(new Set([TIME]));
  });

  it("sends a REPO_CREATED with a complete repository object for foo/bar", () => {
    const { contents, location } = testPayload("REPO_EVENT", HOST);
    expect(contents.event).toBe("REPO_CREATED");
    expect(contents.data).toMatchObject({ namespace: "foo", name: "bar" });
    expect(Object.keys(contents.data)).toHaveLength(13);
    expect(location).toBe("/repositories/foo/bar");
  });

  it("sends one scanner replica and no location for SCANNER_UPDATE_COMPLETED", () => {
    const payload = testPayload("SCANNER_UPDATE_COMPLETED", HOST);
    expect(Object.keys(payload.contents.replicas)).toHaveLength(1);
    expect("location" in payload).toBe(false);
  });

  it("is the same on every call and not shared between calls", () => {
    for (const t of EVENT_TYPES) expect(testPayload(t, HOST)).toEqual(testPayload(t, HOST));
    const a = testPayload("TAG_PUSH", HOST);
    a.contents.tag = "changed";
    expect(testPayload("TAG_PUSH", HOST).contents.tag).toBe("latest");
  });
});
