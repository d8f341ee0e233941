// The schemas themselves: one per type, closed, plain JSON, and the TS types they produce.
import {
  CONTENTS_SCHEMAS,
  EVENT_INPUT_SCHEMA,
  REPOSITORY_OBJECT_SCHEMA,
  type ManifestPullContents,
  type RepoEventContents,
  type RepositoryObject,
  type ScanCompletedContents,
  type ScannerUpdateCompletedContents,
  type TagPushContents,
} from "../src/schemas.js";
import type { ScanStatus } from "../src/scan-status.js";
import { EVENT_TYPES } from "../src/types.js";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

// Compile-time checks (check-types fails if a schema drifts from the contract's shape).
const typeChecks: true[] = [
  true satisfies Equal<
    TagPushContents,
    {
      namespace: string;
      repository: string;
      tag: string;
      digest: string;
      imageName: string;
      os: string;
      architecture: string;
      author: string;
      pushedAt: string;
    }
  >,
  true satisfies Equal<ManifestPullContents["tag"], string | undefined>,
  true satisfies Equal<ScanCompletedContents["scanSummary"]["last_scan_status"], ScanStatus>,
  true satisfies Equal<RepoEventContents["event"], "REPO_CREATED" | "REPO_UPDATED" | "REPO_DELETED">,
  true satisfies Equal<Exclude<RepoEventContents, { event: "REPO_DELETED" }>["data"], RepositoryObject>,
  true satisfies Equal<Extract<RepoEventContents, { event: "REPO_DELETED" }>["data"], Record<string, never>>,
  true satisfies Equal<ScannerUpdateCompletedContents["replicas"][string]["version"], string>,
];

type JsonNode = { [k: string]: unknown };

function objectNodes(node: unknown, out: JsonNode[] = []): JsonNode[] {
  if (Array.isArray(node)) node.forEach((n) => objectNodes(n, out));
  else if (typeof node === "object" && node !== null) {
    const n = node as JsonNode;
    if ("properties" in n) out.push(n);
    Object.values(n).forEach((v) => objectNodes(v, out));
  }
  return out;
}

describe("schemas", () => {
  it("type-checks against the contract shapes", () => {
    expect(typeChecks.every(Boolean)).toBe(true);
  });

  it("has one schema per event type", () => {
    expect(Object.keys(CONTENTS_SCHEMAS)).toEqual([...EVENT_TYPES]);
  });

  it("describes every contents as a JSON object schema that survives JSON round trips", () => {
    for (const t of EVENT_TYPES) {
      const json = JSON.parse(JSON.stringify(CONTENTS_SCHEMAS[t])) as JsonNode;
      expect(json.type).toBe("object");
    }
  });

  it("closes every object (additionalProperties: false)", () => {
    const schemas = [...Object.values(CONTENTS_SCHEMAS), REPOSITORY_OBJECT_SCHEMA, EVENT_INPUT_SCHEMA];
    const nodes = schemas.flatMap((s) => objectNodes(JSON.parse(JSON.stringify(s))));
    expect(nodes.length).toBeGreaterThan(20);
    for (const n of nodes) expect(n.additionalProperties).toBe(false);
  });

  it("marks every time as date-time and every count as an integer", () => {
    const text = JSON.stringify(CONTENTS_SCHEMAS);
    const timeFields = [...text.matchAll(/"(\w+(?:At|_at))":\{([^}]*)\}/g)];
    expect(timeFields.length).toBeGreaterThan(15);
    for (const [, , body] of timeFields) expect(body).toContain('"format":"date-time"');
    const summary = CONTENTS_SCHEMAS.SCAN_COMPLETED.properties.scanSummary.properties as unknown as Record<
      string,
      { type: string }
    >;
    for (const k of ["critical", "major", "minor", "last_scan_status"]) expect(summary[k]!.type).toBe("integer");
  });
});
