import { describe, expect, it } from "vitest";
import { filtersFor, formOf, parseGlobs, settingsBody } from "./payload-settings";

describe("payload settings form", () => {
  it("offers only the filters a webhook type can have", () => {
    expect(filtersFor("TAG_PUSH")).toEqual({ tags: true, repoEvents: false, severity: false });
    expect(filtersFor("REPO_EVENT")).toEqual({ tags: false, repoEvents: true, severity: false });
    expect(filtersFor("SCAN_COMPLETED")).toEqual({ tags: true, repoEvents: false, severity: true });
    expect(filtersFor("CHART_PUSH")).toEqual({ tags: false, repoEvents: false, severity: false });
  });

  it("reads globs one per line or separated by commas, without blanks or repeats", () => {
    expect(parseGlobs("v*\n release-*, v*,,\n\n")).toEqual(["v*", "release-*"]);
    expect(parseGlobs("   ")).toEqual([]);
  });

  it("sends the mode only for CloudEvents and drops filters the type cannot have", () => {
    const form = { format: "slack" as const, mode: "binary" as const, tags: "v*", repoEvents: ["REPO_DELETED" as const], minSeverity: "critical" as const };
    expect(settingsBody(form, "TAG_PUSH")).toEqual({ format: "slack", filters: { tags: ["v*"], repoEvents: [], minSeverity: null } });
    expect(settingsBody({ ...form, format: "cloudevents" }, "REPO_EVENT")).toEqual({
      format: "cloudevents",
      mode: "binary",
      filters: { tags: [], repoEvents: ["REPO_DELETED"], minSeverity: null },
    });
    expect(formOf({ format: "msr", filters: { tags: ["a", "b"], repoEvents: [], minSeverity: null } })).toEqual({
      format: "msr",
      mode: "structured",
      tags: "a\nb",
      repoEvents: [],
      minSeverity: "",
    });
  });
});
