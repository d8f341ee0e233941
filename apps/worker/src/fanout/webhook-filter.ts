// A matched webhook's filters (tag globs, REPO_EVENT kinds, minimum scan severity) against the
// event being fanned out: why its delivery is skipped, or null. Pure, and run on the matched
// webhooks only, so fan-out stays O(matches); the rule itself is the delivery package's, which
// the API's test send applies too.
import { filterReason } from "@msr-webhooks/delivery/formats/filter";
import { effectiveSettings } from "@msr-webhooks/delivery/formats/settings";
import type { MatchedWebhook } from "./fanout.repository.js";

export interface FilteredEvent {
  type: string;
  contents: unknown;
}

export function webhookFilterReason(sub: Pick<MatchedWebhook, "tagGlobs" | "repoEvents" | "minSeverity">, event: FilteredEvent): string | null {
  // Most webhooks have no settings row: nothing to compute.
  if (sub.tagGlobs === null && sub.repoEvents === null && sub.minSeverity === null) return null;
  const settings = effectiveSettings({ format: "msr", mode: null, tagGlobs: sub.tagGlobs, repoEvents: sub.repoEvents, minSeverity: sub.minSeverity });
  return filterReason(settings, event.type, event.contents);
}
