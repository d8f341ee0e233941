// A webhook's filters against one event: the reason it is not delivered, or null. Pure; the tag
// globs are compiled once each (bounded cache) since the same few globs are matched over and over.
import picomatch from "picomatch";
import type { EffectiveSettings } from "./settings.js";
import { hasTag } from "./settings.js";

type Matcher = (tag: string) => boolean;

const MAX_COMPILED = 10_000;
const compiled = new Map<string, Matcher>();

function matcher(glob: string): Matcher {
  let match = compiled.get(glob);
  if (match === undefined) {
    try {
      match = picomatch(glob, { strictBrackets: true });
    } catch {
      // Stored globs were checked when saved; one that no longer compiles matches nothing.
      match = () => false;
    }
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(glob, match);
  }
  return match;
}

function text(contents: Record<string, unknown>, name: string): string | undefined {
  const v = contents[name];
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** The tag an event is about (the target's, for a promotion or a mirror); undefined when none. */
export function tagOf(type: string, contents: Record<string, unknown>): string | undefined {
  switch (type) {
    case "PROMOTION":
      return text(contents, "targetTag");
    case "PUSH_MIRRORING":
    case "POLL_MIRRORING":
      return text(contents, "localTag");
    default:
      return text(contents, "tag");
  }
}

function count(summary: unknown, name: string): number {
  const v = typeof summary === "object" && summary !== null ? (summary as Record<string, unknown>)[name] : undefined;
  return typeof v === "number" ? v : 0;
}

export type FilterSettings = Pick<EffectiveSettings, "tagGlobs" | "repoEvents" | "minSeverity">;

/** Why `settings` filter out this event ("filtered: ..."), or null when it is delivered. */
export function filterReason(settings: FilterSettings, type: string, contents: unknown): string | null {
  const fields = typeof contents === "object" && contents !== null ? (contents as Record<string, unknown>) : {};
  if (settings.tagGlobs.length > 0 && hasTag(type)) {
    const tag = tagOf(type, fields);
    if (tag === undefined) return `filtered: the event has no tag, and the webhook's tag filter (${settings.tagGlobs.join(", ")}) asks for one`;
    if (!settings.tagGlobs.some((glob) => matcher(glob)(tag))) {
      return `filtered: tag ${tag} matches none of ${settings.tagGlobs.join(", ")}`;
    }
  }
  if (settings.repoEvents.length > 0 && type === "REPO_EVENT") {
    const kind = text(fields, "event") ?? "";
    if (!settings.repoEvents.includes(kind)) return `filtered: ${kind || "this REPO_EVENT kind"} is not one of ${settings.repoEvents.join(", ")}`;
  }
  if (settings.minSeverity !== null && type === "SCAN_COMPLETED") {
    const summary = fields["scanSummary"];
    const critical = count(summary, "critical");
    const severe = settings.minSeverity === "critical" ? critical : critical + count(summary, "major");
    if (severe === 0) return `filtered: the scan found no ${settings.minSeverity === "critical" ? "critical" : "critical or major"} vulnerabilities`;
  }
  return null;
}
