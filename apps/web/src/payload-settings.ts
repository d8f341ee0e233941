// The payload format form's rules: which filters a webhook type can have (the API refuses the
// others), the glob list as people type it, and the settings body the form sends.
import type { SubscriptionType, WebhookSettings } from "./api/types";

export type Format = WebhookSettings["format"];
export type Mode = NonNullable<WebhookSettings["mode"]>;
export type RepoEventKind = NonNullable<NonNullable<WebhookSettings["filters"]>["repoEvents"]>[number];
export type Severity = NonNullable<NonNullable<WebhookSettings["filters"]>["minSeverity"]>;

export const FORMATS: { value: Format; label: string }[] = [
  { value: "msr", label: "MSR (the default payload)" },
  { value: "cloudevents", label: "CloudEvents 1.0" },
  { value: "slack", label: "Slack message" },
  { value: "teams", label: "Microsoft Teams message" },
];

export const REPO_EVENT_KINDS: RepoEventKind[] = ["REPO_CREATED", "REPO_UPDATED", "REPO_DELETED"];

const TAGGED = new Set<string>([
  "TAG_PUSH", "TAG_PULL", "TAG_DELETE", "MANIFEST_PUSH", "MANIFEST_PULL", "MANIFEST_DELETE",
  "SCAN_COMPLETED", "SCAN_FAILED", "PROMOTION", "PUSH_MIRRORING", "POLL_MIRRORING",
]);

/** The filters a webhook of `type` may have. */
export function filtersFor(type: SubscriptionType | string): { tags: boolean; repoEvents: boolean; severity: boolean } {
  return { tags: TAGGED.has(type), repoEvents: type === "REPO_EVENT", severity: type === "SCAN_COMPLETED" };
}

/** Globs typed one per line or separated by commas or spaces (no glob holds a space). */
export function parseGlobs(text: string): string[] {
  const globs = text.split(/[\s,]+/).map((g) => g.trim()).filter((g) => g !== "");
  return [...new Set(globs)];
}

export interface SettingsForm {
  format: Format;
  mode: Mode;
  tags: string;
  repoEvents: RepoEventKind[];
  minSeverity: Severity | "";
}

export function formOf(s: WebhookSettings): SettingsForm {
  return {
    format: s.format,
    mode: s.mode ?? "structured",
    tags: (s.filters?.tags ?? []).join("\n"),
    repoEvents: [...(s.filters?.repoEvents ?? [])],
    minSeverity: s.filters?.minSeverity ?? "",
  };
}

/** The PUT body: only the filters that fit the type, the mode only for CloudEvents. */
export function settingsBody(form: SettingsForm, type: SubscriptionType | string): WebhookSettings {
  const fits = filtersFor(type);
  return {
    format: form.format,
    ...(form.format === "cloudevents" ? { mode: form.mode } : {}),
    filters: {
      tags: fits.tags ? parseGlobs(form.tags) : [],
      repoEvents: fits.repoEvents ? form.repoEvents : [],
      minSeverity: fits.severity && form.minSeverity !== "" ? form.minSeverity : null,
    },
  };
}
