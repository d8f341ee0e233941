// A webhook's payload format and filters (GET/PUT /api/v0/webhooks/{id}/settings): the schema both
// the API (validation, OpenAPI) and the worker (what it reads back) share, its bounds, and the
// checks a schema cannot express (which filter fits which webhook type, whether a glob compiles).
import { Type, type Static, type TUnsafe } from "@sinclair/typebox";
import picomatch from "picomatch";
import { deliveredTypeOf, REPO_EVENT_KINDS, type RepoEventKind, type SubscriptionType } from "@msr-webhooks/events/types";

function StringEnum<const T extends readonly string[]>(values: T, description: string): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], description });
}

export const PAYLOAD_FORMATS = ["msr", "cloudevents", "slack", "teams"] as const;
export type PayloadFormat = (typeof PAYLOAD_FORMATS)[number];
export const CLOUDEVENTS_MODES = ["structured", "binary"] as const;
export type CloudEventsMode = (typeof CLOUDEVENTS_MODES)[number];
export const SEVERITIES = ["critical", "major"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const MAX_TAG_GLOBS = 20;
export const MAX_TAG_GLOB_LENGTH = 128;
/** Tag characters plus the glob syntax picomatch reads; no slash (tags have none) and no whitespace. */
export const TAG_GLOB_PATTERN = "^[A-Za-z0-9_.*?!+@^()|,{}\\[\\]-]+$";

export const WebhookSettingsSchema = Type.Object(
  {
    format: StringEnum(
      PAYLOAD_FORMATS,
      "msr: the MSR envelope (default); cloudevents: CloudEvents 1.0 over HTTP; slack / teams: a readable message in the incoming-webhook format of each (not signed).",
    ),
    mode: Type.Optional(
      StringEnum(CLOUDEVENTS_MODES, "cloudevents only: structured (application/cloudevents+json, the default) or binary (ce-* headers)."),
    ),
    filters: Type.Optional(
      Type.Object(
        {
          tags: Type.Optional(
            Type.Array(
              Type.String({ minLength: 1, maxLength: MAX_TAG_GLOB_LENGTH, pattern: TAG_GLOB_PATTERN }),
              {
                maxItems: MAX_TAG_GLOBS,
                uniqueItems: true,
                description: `Deliver only events whose tag matches one of these globs (e.g. v*, release-*); empty or absent: every tag. At most ${MAX_TAG_GLOBS}, each at most ${MAX_TAG_GLOB_LENGTH} characters. For webhooks of a type with a tag (TAG_*, MANIFEST_*, SCAN_*, PROMOTION, *_MIRRORING); a manifest without a tag matches none.`,
              },
            ),
          ),
          repoEvents: Type.Optional(
            Type.Array(StringEnum(REPO_EVENT_KINDS, "A REPO_EVENT kind."), {
              maxItems: REPO_EVENT_KINDS.length,
              uniqueItems: true,
              description: "REPO_EVENT webhooks only: deliver only these kinds; empty or absent: all.",
            }),
          ),
          minSeverity: Type.Optional(
            Type.Union([StringEnum(SEVERITIES, "critical: at least one critical vulnerability; major: at least one critical or major."), Type.Null()], {
              description: "SCAN_COMPLETED webhooks only: deliver only scans that found vulnerabilities this severe; null or absent: every scan.",
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, title: "WebhookSettings", description: "A webhook's payload format and filters (outside the MSR webhook object)." },
);
export type WebhookSettings = Static<typeof WebhookSettingsSchema>;

/** The settings as the worker applies them (defaults filled in). */
export interface EffectiveSettings {
  format: PayloadFormat;
  mode: CloudEventsMode;
  tagGlobs: readonly string[];
  repoEvents: readonly string[];
  minSeverity: Severity | null;
}

export const DEFAULT_SETTINGS: EffectiveSettings = Object.freeze({ format: "msr", mode: "structured", tagGlobs: [], repoEvents: [], minSeverity: null });

const TAGGED_TYPES: ReadonlySet<string> = new Set([
  "TAG_PUSH", "TAG_PULL", "TAG_DELETE", "MANIFEST_PUSH", "MANIFEST_PULL", "MANIFEST_DELETE",
  "SCAN_COMPLETED", "SCAN_FAILED", "PROMOTION", "PUSH_MIRRORING", "POLL_MIRRORING",
]);

/** Whether events of this delivered type name a tag that a tag glob can be matched with. */
export function hasTag(type: string): boolean {
  return TAGGED_TYPES.has(type);
}

export interface SettingsProblem {
  field: string;
  message: string;
}

/** What is wrong with settings (already schema-valid) for a webhook of `type`; null when nothing. */
export function settingsProblem(type: SubscriptionType, settings: WebhookSettings): SettingsProblem | null {
  if (settings.mode !== undefined && settings.format !== "cloudevents") {
    return { field: "mode", message: "mode applies to the cloudevents format only" };
  }
  const filters = settings.filters ?? {};
  const delivered = deliveredTypeOf(type);
  if ((filters.tags?.length ?? 0) > 0 && !hasTag(delivered)) {
    return { field: "filters.tags", message: `${type} events have no tag: a tag filter cannot apply to this webhook` };
  }
  for (const glob of filters.tags ?? []) {
    try {
      picomatch.makeRe(glob, { strictBrackets: true });
    } catch (err) {
      return { field: "filters.tags", message: `${JSON.stringify(glob)} is not a valid glob: ${(err as Error).message}` };
    }
  }
  if ((filters.repoEvents?.length ?? 0) > 0 && type !== "REPO_EVENT") {
    return {
      field: "filters.repoEvents",
      message: `only REPO_EVENT webhooks can filter REPO_EVENT kinds (a ${type} webhook receives ${type === delivered ? "no REPO_EVENT" : "one kind only"})`,
    };
  }
  if (filters.minSeverity !== undefined && filters.minSeverity !== null && type !== "SCAN_COMPLETED") {
    return { field: "filters.minSeverity", message: "only SCAN_COMPLETED webhooks can filter by severity" };
  }
  return null;
}

/** Settings as stored (a row of WebhookSettings, or none) to what the worker applies. */
export function effectiveSettings(row: {
  format: string;
  mode: string | null;
  tagGlobs: readonly string[] | null;
  repoEvents: readonly string[] | null;
  minSeverity: string | null;
} | null): EffectiveSettings {
  if (row === null) return DEFAULT_SETTINGS;
  return {
    format: (PAYLOAD_FORMATS as readonly string[]).includes(row.format) ? (row.format as PayloadFormat) : "msr",
    mode: row.mode === "binary" ? "binary" : "structured",
    tagGlobs: row.tagGlobs ?? [],
    repoEvents: row.repoEvents ?? [],
    minSeverity: row.minSeverity === "critical" || row.minSeverity === "major" ? row.minSeverity : null,
  };
}

/** Effective settings as the API answers them (the request shape, defaults filled in). */
export function settingsView(s: EffectiveSettings): WebhookSettings {
  return {
    format: s.format,
    ...(s.format === "cloudevents" ? { mode: s.mode } : {}),
    filters: { tags: [...s.tagGlobs], repoEvents: [...s.repoEvents] as RepoEventKind[], minSeverity: s.minSeverity },
  };
}
