// The event type vocabulary of the MSR webhook API: delivered types and subscription types.

export const EVENT_TYPES = [
  "TAG_PUSH",
  "TAG_PULL",
  "TAG_DELETE",
  "MANIFEST_PUSH",
  "MANIFEST_PULL",
  "MANIFEST_DELETE",
  "SCAN_COMPLETED",
  "SCAN_FAILED",
  "PROMOTION",
  "PUSH_MIRRORING",
  "POLL_MIRRORING",
  "CHART_PUSH",
  "CHART_PULL",
  "CHART_DELETE",
  "CHART_LINTED",
  "REPO_EVENT",
  "SCANNER_UPDATE_COMPLETED",
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

// MSR's docs list these as types; in the API they are the `contents.event` of a REPO_EVENT.
export const REPO_EVENT_KINDS = ["REPO_CREATED", "REPO_UPDATED", "REPO_DELETED"] as const;

export type RepoEventKind = (typeof REPO_EVENT_KINDS)[number];

export const SUBSCRIPTION_TYPES = [...EVENT_TYPES, ...REPO_EVENT_KINDS] as const;

export type SubscriptionType = (typeof SUBSCRIPTION_TYPES)[number];

const eventTypeSet: ReadonlySet<string> = new Set(EVENT_TYPES);
const repoEventKindSet: ReadonlySet<string> = new Set(REPO_EVENT_KINDS);
const subscriptionTypeSet: ReadonlySet<string> = new Set(SUBSCRIPTION_TYPES);

export function isEventType(x: unknown): x is EventType {
  return typeof x === "string" && eventTypeSet.has(x);
}

export function isRepoEventKind(x: unknown): x is RepoEventKind {
  return typeof x === "string" && repoEventKindSet.has(x);
}

export function isSubscriptionType(x: unknown): x is SubscriptionType {
  return typeof x === "string" && subscriptionTypeSet.has(x);
}

/** The envelope `type` a subscription of this type receives: REPO_* kinds arrive as REPO_EVENT. */
export function deliveredTypeOf(t: SubscriptionType): EventType {
  return isRepoEventKind(t) ? "REPO_EVENT" : t;
}

/**
 * The subscription types an event matches: its own type and, for a REPO_EVENT, the alias of
 * its kind (a REPO_CREATED subscription receives only the REPO_EVENTs of that kind).
 */
export function subscriptionTypesFor(type: EventType, contents: unknown): SubscriptionType[] {
  if (type !== "REPO_EVENT") return [type];
  const kind =
    typeof contents === "object" && contents !== null
      ? (contents as { event?: unknown }).event
      : undefined;
  return isRepoEventKind(kind) ? [type, kind] : [type];
}
