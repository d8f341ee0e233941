// Contents and producer events are checked against the schemas; every error names its field.
import { testPayload } from "../src/test-payloads.js";
import {
  precompileValidators,
  validateContents,
  validateEventInput,
  type FieldError,
} from "../src/validate.js";
import type { EventType } from "../src/types.js";

const HOST = "reg.example.com";

function errorsOf(type: EventType, contents: unknown): FieldError[] {
  const result = validateContents(type, contents);
  if (result.ok) throw new Error(`expected ${type} contents to be rejected`);
  return result.errors;
}

function omit(o: object, key: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));
}

function tagPush(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...testPayload("TAG_PUSH", HOST).contents, ...overrides };
}

function scanCompleted(summary: Record<string, unknown>): Record<string, unknown> {
  const c = testPayload("SCAN_COMPLETED", HOST).contents;
  return { ...c, scanSummary: { ...c.scanSummary, ...summary } };
}

describe("precompileValidators", () => {
  it("compiles every schema in ajv strict mode", () => {
    expect(() => precompileValidators()).not.toThrow();
  });
});

describe("validateContents", () => {
  it("returns the contents when valid", () => {
    const contents = tagPush();
    expect(validateContents("TAG_PUSH", contents)).toEqual({ ok: true, contents });
  });

  it("names a missing field", () => {
    expect(errorsOf("TAG_PUSH", omit(tagPush(), "digest"))).toEqual([{ field: "contents.digest", message: "is required" }]);
  });

  it("names a field of the wrong type", () => {
    expect(errorsOf("TAG_PUSH", tagPush({ tag: 5 }))).toEqual([{ field: "contents.tag", message: "must be a string" }]);
    expect(errorsOf("SCAN_COMPLETED", scanCompleted({ should_rescan: "no" }))).toEqual([
      { field: "contents.scanSummary.should_rescan", message: "must be a boolean" },
    ]);
  });

  it.each([
    "sha256:abc",
    "sha256:B5BB9D8014A0F9B1D61E21E796D78DCCDF1352F23CD32812F4850B878AE4944C",
    "md5:b5bb9d8014a0f9b1d61e21e796d78dcc",
    "b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c",
    "",
  ])("rejects the digest %p", (digest) => {
    expect(errorsOf("TAG_PUSH", tagPush({ digest }))).toEqual([
      { field: "contents.digest", message: expect.stringMatching(/^must be a digest: sha256:/) as unknown },
    ]);
  });

  it("accepts a sha512 digest", () => {
    expect(validateContents("TAG_PUSH", tagPush({ digest: `sha512:${"a".repeat(128)}` })).ok).toBe(true);
  });

  it.each(["2015-01-02", "2015-01-02T15:04:05", "yesterday", "2015-02-30T00:00:00Z", "2015-01-02T15:04:05+0100"])(
    "rejects the date-time %p",
    (pushedAt) => {
      expect(errorsOf("TAG_PUSH", tagPush({ pushedAt }))).toEqual([
        { field: "contents.pushedAt", message: expect.stringMatching(/RFC 3339/) as unknown },
      ]);
    },
  );

  it("accepts a date-time with an offset and nanoseconds", () => {
    expect(validateContents("TAG_PUSH", tagPush({ pushedAt: "2019-05-22T03:55:20.471286995+02:00" })).ok).toBe(true);
  });

  it("rejects non-integer and negative counts", () => {
    expect(errorsOf("SCAN_COMPLETED", scanCompleted({ critical: 1.5 }))).toEqual([
      { field: "contents.scanSummary.critical", message: "must be an integer" },
    ]);
    expect(errorsOf("SCAN_COMPLETED", scanCompleted({ major: "2" }))).toEqual([
      { field: "contents.scanSummary.major", message: "must be an integer" },
    ]);
    expect(errorsOf("SCAN_COMPLETED", scanCompleted({ minor: -1 }))).toEqual([
      { field: "contents.scanSummary.minor", message: "must be >= 0" },
    ]);
  });

  it("rejects a scan status outside 0..6", () => {
    expect(errorsOf("SCAN_COMPLETED", scanCompleted({ last_scan_status: 7 }))).toEqual([
      { field: "contents.scanSummary.last_scan_status", message: "must be one of: 0, 1, 2, 3, 4, 5, 6" },
    ]);
  });

  it("insists on reponame in scanSummary and names the stray field", () => {
    const c = testPayload("SCAN_COMPLETED", HOST).contents;
    const { reponame, ...summary } = c.scanSummary;
    expect(errorsOf("SCAN_COMPLETED", { ...c, scanSummary: { ...summary, repository: reponame } })).toEqual(
      expect.arrayContaining([
        { field: "contents.scanSummary.reponame", message: "is required" },
        { field: "contents.scanSummary.repository", message: "is not a field of this object" },
      ]),
    );
  });

  it("rejects fields that are not in the contract", () => {
    expect(errorsOf("TAG_PUSH", tagPush({ pushedat: "x" }))).toEqual([
      { field: "contents.pushedat", message: "is not a field of this object" },
    ]);
  });

  it("reports every problem at once", () => {
    expect(errorsOf("TAG_PUSH", omit(tagPush({ namespace: "Foo", tag: "-bad" }), "os"))).toEqual(
      expect.arrayContaining([
        { field: "contents.os", message: "is required" },
        { field: "contents.namespace", message: expect.stringMatching(/lowercase/) as unknown },
        { field: "contents.tag", message: expect.stringMatching(/must be a tag/) as unknown },
      ]),
    );
  });

  it("rejects contents that are not an object", () => {
    expect(errorsOf("TAG_PUSH", "x")).toEqual([{ field: "contents", message: "must be an object" }]);
    expect(errorsOf("REPO_EVENT", null)).toEqual([{ field: "contents", message: "must be an object" }]);
  });

  it("rejects an unknown type by naming the type field", () => {
    expect(errorsOf("NOPE" as EventType, tagPush())).toEqual([
      { field: "type", message: expect.stringMatching(/^must be one of: TAG_PUSH, /) as unknown },
    ]);
  });

  it("allows MANIFEST_* without a tag", () => {
    expect(validateContents("MANIFEST_DELETE", omit(testPayload("MANIFEST_DELETE", HOST).contents, "tag")).ok).toBe(true);
  });

  it("checks ns/repo shapes of promotion and mirroring", () => {
    const promotion = testPayload("PROMOTION", HOST).contents;
    expect(errorsOf("PROMOTION", { ...promotion, targetRepository: "bar" })).toEqual([
      { field: "contents.targetRepository", message: 'must be "namespace/repository"' },
    ]);
    const mirroring = testPayload("POLL_MIRRORING", HOST).contents;
    expect(errorsOf("POLL_MIRRORING", { ...mirroring, localRepository: "a/b/c" })).toEqual([
      { field: "contents.localRepository", message: 'must be "namespace/repository"' },
    ]);
  });

  it("names array items by index", () => {
    const c = testPayload("CHART_LINTED", HOST).contents;
    expect(errorsOf("CHART_LINTED", { ...c, lintResult: { passed: true, messages: ["ok", 3] } })).toEqual([
      { field: "contents.lintResult.messages.1", message: "must be a string" },
    ]);
  });

  it("names a bad field inside a scanner replica", () => {
    const c = testPayload("SCANNER_UPDATE_COMPLETED", HOST).contents;
    const [id] = Object.keys(c.replicas);
    expect(
      errorsOf("SCANNER_UPDATE_COMPLETED", {
        ...c,
        replicas: { [id!]: { db_updated_at: "2015-01-02T15:04:05Z", version: 1, replica_id: id } },
      }),
    ).toEqual([{ field: `contents.replicas.${id!}.version`, message: "must be a string" }]);
  });

  it("takes a scanner replica's version as MSR sends it: a string, empty in MSR's seed payload", () => {
    const c = testPayload("SCANNER_UPDATE_COMPLETED", HOST).contents;
    const [id] = Object.keys(c.replicas);
    for (const version of ["", "3", "2026.12.04"]) {
      const replicas = { [id!]: { db_updated_at: "2015-01-02T15:04:05Z", version, replica_id: id! } };
      expect(validateContents("SCANNER_UPDATE_COMPLETED", { ...c, replicas }).ok).toBe(true);
    }
  });

  describe("REPO_EVENT", () => {
    const created = () => testPayload("REPO_EVENT", HOST).contents;

    it("accepts REPO_UPDATED with the repository object and REPO_DELETED with {}", () => {
      expect(validateContents("REPO_EVENT", { ...created(), event: "REPO_UPDATED" }).ok).toBe(true);
      expect(validateContents("REPO_EVENT", { ...created(), event: "REPO_DELETED", data: {} }).ok).toBe(true);
    });

    it("reports a missing kind once", () => {
      expect(errorsOf("REPO_EVENT", omit(created(), "event"))).toEqual([{ field: "contents.event", message: "is required" }]);
    });

    it("rejects an unknown kind, listing the three", () => {
      expect(errorsOf("REPO_EVENT", { ...created(), event: "REPO_RENAMED" })).toEqual([
        { field: "contents.event", message: "must be one of: REPO_CREATED, REPO_UPDATED, REPO_DELETED" },
      ]);
      expect(errorsOf("REPO_EVENT", { ...created(), event: 1 })).toEqual([
        { field: "contents.event", message: "must be one of: REPO_CREATED, REPO_UPDATED, REPO_DELETED" },
      ]);
    });

    it("wants {} as the data of REPO_DELETED", () => {
      expect(errorsOf("REPO_EVENT", { ...created(), event: "REPO_DELETED" })).toEqual([
        { field: "contents.data", message: "must be {}" },
      ]);
    });

    it("wants a complete repository object otherwise, naming its bad fields", () => {
      expect(errorsOf("REPO_EVENT", { ...created(), data: {} })).toEqual(
        expect.arrayContaining([
          { field: "contents.data.id", message: "is required" },
          { field: "contents.data.tagLimit", message: "is required" },
        ]),
      );
      const data = { ...created().data, visibility: "internal", id: "not-a-uuid" };
      expect(errorsOf("REPO_EVENT", { ...created(), data })).toEqual([
        { field: "contents.data.id", message: "must be a valid uuid" },
        { field: "contents.data.visibility", message: "must be one of: public, private" },
      ]);
    });
  });
});

describe("validateEventInput", () => {
  const now = new Date("2020-03-04T05:06:07.890Z");

  function inputErrors(input: unknown): FieldError[] {
    const result = validateEventInput(input, { now });
    if (result.ok) throw new Error("expected the event to be rejected");
    return result.errors;
  }

  it("fills in createdAt (now, Go format) and location", () => {
    const contents = tagPush();
    expect(validateEventInput({ type: "TAG_PUSH", contents }, { now })).toEqual({
      ok: true,
      event: {
        type: "TAG_PUSH",
        createdAt: "2020-03-04T05:06:07.89Z",
        contents,
        location: "/repositories/foo/bar/tags/latest",
      },
    });
  });

  it("defaults createdAt to the real current time", () => {
    const before = Date.now();
    const result = validateEventInput({ type: "TAG_PUSH", contents: tagPush() });
    if (!result.ok) throw new Error("expected a valid event");
    const t = Date.parse(result.event.createdAt);
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Date.now());
  });

  it("keeps id, a given location, and a given createdAt (normalized to UTC)", () => {
    const result = validateEventInput(
      {
        id: "evt-1",
        type: "TAG_PUSH",
        createdAt: "2015-01-02T16:04:05.123456789+01:00",
        contents: tagPush(),
        location: "/custom",
      },
      { now },
    );
    expect(result).toMatchObject({
      ok: true,
      event: { id: "evt-1", createdAt: "2015-01-02T15:04:05.123456789Z", location: "/custom" },
    });
  });

  it("leaves location out when the type has none", () => {
    const result = validateEventInput(
      { type: "SCANNER_UPDATE_COMPLETED", contents: testPayload("SCANNER_UPDATE_COMPLETED", HOST).contents },
      { now },
    );
    expect(result.ok && "location" in result.event).toBe(false);
    expect(result.ok && "id" in result.event).toBe(false);
  });

  it("rejects an unknown type by naming the type field", () => {
    expect(inputErrors({ type: "TAG_PUSHED", contents: tagPush() })).toEqual([
      { field: "type", message: expect.stringMatching(/^must be one of: TAG_PUSH, .*SCANNER_UPDATE_COMPLETED$/) as unknown },
    ]);
    expect(inputErrors({ contents: tagPush() })).toEqual([{ field: "type", message: "is required" }]);
  });

  it("explains that REPO_* kinds are produced as REPO_EVENT", () => {
    expect(inputErrors({ type: "REPO_CREATED", contents: {} })).toEqual([
      { field: "type", message: expect.stringMatching(/produce a REPO_EVENT whose contents.event is REPO_CREATED/) as unknown },
    ]);
  });

  it("prefixes contents errors with contents.", () => {
    expect(inputErrors({ type: "TAG_PUSH", contents: tagPush({ digest: "nope" }) })).toEqual([
      { field: "contents.digest", message: expect.stringMatching(/^must be a digest/) as unknown },
    ]);
  });

  it("names bad envelope fields", () => {
    expect(inputErrors({ type: "TAG_PUSH", contents: [] })).toEqual([{ field: "contents", message: "must be an object" }]);
    expect(inputErrors({ type: "TAG_PUSH" })).toEqual([{ field: "contents", message: "is required" }]);
    expect(inputErrors({ type: "TAG_PUSH", contents: tagPush(), createdAt: "2015-01-02" })).toEqual([
      { field: "createdAt", message: expect.stringMatching(/RFC 3339/) as unknown },
    ]);
    expect(inputErrors({ type: "TAG_PUSH", contents: tagPush(), id: "" })).toEqual([
      { field: "id", message: "must NOT have fewer than 1 characters" },
    ]);
    expect(inputErrors({ type: "TAG_PUSH", contents: tagPush(), id: "x".repeat(201) })).toEqual([
      { field: "id", message: "must NOT have more than 200 characters" },
    ]);
    expect(inputErrors({ type: "TAG_PUSH", contents: tagPush(), location: null })).toEqual([
      { field: "location", message: "must be a string" },
    ]);
    expect(inputErrors({ type: "TAG_PUSH", contents: tagPush(), created_at: "x" })).toEqual([
      { field: "created_at", message: "is not a field of this object" },
    ]);
  });

  it("reports envelope and contents errors together", () => {
    expect(inputErrors({ type: "TAG_PUSH", contents: omit(tagPush(), "tag"), id: 7 })).toEqual([
      { field: "id", message: "must be a string" },
      { field: "contents.tag", message: "is required" },
    ]);
  });

  it("rejects input that is not an object", () => {
    for (const input of [null, "TAG_PUSH", [], 3]) {
      expect(inputErrors(input)).toEqual([{ field: "", message: "must be an object" }]);
    }
  });
});
