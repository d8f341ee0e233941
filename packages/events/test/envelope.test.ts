// What an event is about (location, scope) and the exact delivered body.
import { buildEnvelope, locationOf, scopeOf, serializeEnvelope, serializeStoredEnvelope } from "../src/envelope.js";
import { testPayload } from "../src/test-payloads.js";
import { EVENT_TYPES, type EventType } from "../src/types.js";

const DIGEST = "sha256:b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c";

describe("locationOf", () => {
  it.each([
    ["TAG_PUSH", { namespace: "ns", repository: "repo", tag: "1.0" }, "/repositories/ns/repo/tags/1.0"],
    ["TAG_DELETE", { namespace: "ns", repository: "repo", tag: "v2_x" }, "/repositories/ns/repo/tags/v2_x"],
    ["MANIFEST_PULL", { namespace: "ns", repository: "repo", digest: DIGEST }, `/repositories/ns/repo/manifests/${DIGEST}`],
    ["SCAN_COMPLETED", { namespace: "ns", repository: "repo", tag: "latest" }, "/repositories/ns/repo/tags/latest"],
    ["SCAN_FAILED", { namespace: "ns", repository: "repo", tag: "latest" }, "/repositories/ns/repo/tags/latest"],
    [
      "CHART_LINTED",
      { namespace: "ns", repository: "charts", chartName: "nginx", chartVersion: "1.2.3+build.4" },
      "/repositories/ns/charts/charts/nginx/1.2.3+build.4",
    ],
    [
      "PROMOTION",
      { sourceRepository: "dev/app", sourceTag: "rc", targetRepository: "prod/app", targetTag: "1.0" },
      "/repositories/prod/app/tags/1.0",
    ],
    [
      "PUSH_MIRRORING",
      { localRepository: "ns/repo", localTag: "latest", remoteRepository: "other/x", remoteTag: "y" },
      "/repositories/ns/repo/tags/latest",
    ],
    [
      "POLL_MIRRORING",
      { localRepository: "ns/repo", localTag: "v1", remoteRepository: "library/nginx", remoteTag: "z" },
      "/repositories/ns/repo/tags/v1",
    ],
    ["REPO_EVENT", { namespace: "ns", repository: "repo", event: "REPO_DELETED", data: {} }, "/repositories/ns/repo"],
  ] as [EventType, object, string][])("%s -> %s", (type, contents, expected) => {
    expect(locationOf(type, contents)).toBe(expected);
  });

  it("has no location for SCANNER_UPDATE_COMPLETED", () => {
    expect(locationOf("SCANNER_UPDATE_COMPLETED", testPayload("SCANNER_UPDATE_COMPLETED", "h").contents)).toBeUndefined();
  });

  it("has none when a field it needs is missing or not a string", () => {
    expect(locationOf("TAG_PUSH", { namespace: "ns", repository: "repo" })).toBeUndefined();
    expect(locationOf("TAG_PUSH", { namespace: "ns", tag: "x" })).toBeUndefined();
    expect(locationOf("MANIFEST_PUSH", { namespace: "ns", repository: "repo", digest: 5 })).toBeUndefined();
    expect(locationOf("PROMOTION", { targetRepository: "noslash", targetTag: "x" })).toBeUndefined();
    expect(locationOf("CHART_PUSH", { namespace: "ns", repository: "r", chartName: "c" })).toBeUndefined();
  });

  it("escapes characters that would break the path, keeping : and +", () => {
    expect(locationOf("TAG_PUSH", { namespace: "ns", repository: "repo", tag: "a/b?c#d" })).toBe(
      "/repositories/ns/repo/tags/a%2Fb%3Fc%23d",
    );
  });
});

describe("scopeOf", () => {
  it("reads namespace and repository from repository events", () => {
    expect(scopeOf("TAG_PUSH", { namespace: "ns", repository: "repo", tag: "t" })).toEqual({ namespace: "ns", repository: "repo" });
    expect(scopeOf("REPO_EVENT", { namespace: "org", repository: "r", event: "REPO_CREATED" })).toEqual({
      namespace: "org",
      repository: "r",
    });
    expect(scopeOf("CHART_PULL", { namespace: "ns", repository: "charts" })).toEqual({ namespace: "ns", repository: "charts" });
  });

  it("uses the target repository of a promotion and the local one of mirroring", () => {
    expect(scopeOf("PROMOTION", { sourceRepository: "dev/app", targetRepository: "prod/app2" })).toEqual({
      namespace: "prod",
      repository: "app2",
    });
    expect(scopeOf("PUSH_MIRRORING", { localRepository: "a/b", remoteRepository: "c/d" })).toEqual({ namespace: "a", repository: "b" });
    expect(scopeOf("POLL_MIRRORING", { localRepository: "x/y", remoteRepository: "c/d" })).toEqual({ namespace: "x", repository: "y" });
  });

  it("is empty for global events and for contents without the fields", () => {
    expect(scopeOf("SCANNER_UPDATE_COMPLETED", testPayload("SCANNER_UPDATE_COMPLETED", "h").contents)).toEqual({
      namespace: "",
      repository: "",
    });
    expect(scopeOf("PROMOTION", { targetRepository: "noslash" })).toEqual({ namespace: "", repository: "" });
    expect(scopeOf("PROMOTION", { targetRepository: "ns/" })).toEqual({ namespace: "", repository: "" });
    expect(scopeOf("TAG_PUSH", {})).toEqual({ namespace: "", repository: "" });
  });

  it("gives foo/bar for every test payload except the global one", () => {
    for (const t of EVENT_TYPES) {
      const expected = t === "SCANNER_UPDATE_COMPLETED" ? { namespace: "", repository: "" } : { namespace: "foo", repository: "bar" };
      expect(scopeOf(t, testPayload(t, "reg.example.com").contents)).toEqual(expected);
    }
  });
});

describe("buildEnvelope and serializeEnvelope", () => {
  const contents = { namespace: "foo", repository: "bar", tag: "latest" };

  it("formats a Date createdAt the Go way and keeps the location", () => {
    const env = buildEnvelope({
      type: "TAG_PUSH",
      createdAt: new Date("2019-05-22T01:55:20.470Z"),
      contents,
      location: "/repositories/foo/bar/tags/latest",
    });
    expect(env).toEqual({
      type: "TAG_PUSH",
      createdAt: "2019-05-22T01:55:20.47Z",
      contents,
      location: "/repositories/foo/bar/tags/latest",
    });
  });

  it("normalizes a string createdAt to UTC and refuses one that is not RFC 3339", () => {
    expect(buildEnvelope({ type: "TAG_PUSH", createdAt: "2015-01-02T16:04:05.000000001+01:00", contents }).createdAt).toBe(
      "2015-01-02T15:04:05.000000001Z",
    );
    expect(() => buildEnvelope({ type: "TAG_PUSH", createdAt: "yesterday", contents })).toThrow(RangeError);
  });

  it("omits a null or undefined location", () => {
    const a = buildEnvelope({ type: "SCANNER_UPDATE_COMPLETED", createdAt: new Date(0), contents: {}, location: null });
    const b = buildEnvelope({ type: "SCANNER_UPDATE_COMPLETED", createdAt: new Date(0), contents: {} });
    expect("location" in a).toBe(false);
    expect("location" in b).toBe(false);
    expect(serializeEnvelope(a)).toBe('{"type":"SCANNER_UPDATE_COMPLETED","createdAt":"1970-01-01T00:00:00Z","contents":{}}');
  });

  it("serializes with keys in the order type, createdAt, contents, location", () => {
    const body = serializeEnvelope({
      location: "/repositories/foo/bar/tags/latest",
      contents,
      createdAt: "2015-01-02T15:04:05Z",
      type: "TAG_PUSH",
    });
    expect(body).toBe(
      '{"type":"TAG_PUSH","createdAt":"2015-01-02T15:04:05Z",' +
        '"contents":{"namespace":"foo","repository":"bar","tag":"latest"},' +
        '"location":"/repositories/foo/bar/tags/latest"}',
    );
    expect(Object.keys(JSON.parse(body) as object)).toEqual(["type", "createdAt", "contents", "location"]);
  });
});

describe("serializeStoredEnvelope", () => {
  it("splices the stored contents text in unchanged, in MSR's key order of the envelope", () => {
    const contentsJson = '{"tag":"latest","scanSummary":{"tag":"latest","critical":1,"namespace":"foo"},"namespace":"foo"}';
    const body = serializeStoredEnvelope({
      type: "SCAN_COMPLETED",
      createdAt: "2015-01-02T15:04:05.123456789Z",
      contentsJson,
      location: "/repositories/foo/bar/tags/latest",
    });
    expect(body).toBe(
      `{"type":"SCAN_COMPLETED","createdAt":"2015-01-02T15:04:05.123456789Z","contents":${contentsJson},"location":"/repositories/foo/bar/tags/latest"}`,
    );
    expect(Object.keys(JSON.parse(body) as object)).toEqual(["type", "createdAt", "contents", "location"]);
  });

  it("leaves location out when there is none", () => {
    const body = serializeStoredEnvelope({ type: "SCANNER_UPDATE_COMPLETED", createdAt: "2015-01-02T15:04:05Z", contentsJson: "{}", location: null });
    expect(body).toBe('{"type":"SCANNER_UPDATE_COMPLETED","createdAt":"2015-01-02T15:04:05Z","contents":{}}');
  });
});
