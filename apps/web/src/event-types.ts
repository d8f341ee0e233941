// Every subscription type with a one-line description, for the create form. Typed by the
// generated API: a type the API adds or drops breaks this file's type-check until it is described.
import type { DeliveryEventType, SubscriptionType } from "./api/types";

export const EVENT_TYPE_DESCRIPTIONS: Record<SubscriptionType, string> = {
  TAG_PUSH: "A tag is pushed to a repository.",
  TAG_PULL: "A tag is pulled from a repository.",
  TAG_DELETE: "A tag is deleted from a repository.",
  MANIFEST_PUSH: "A manifest is pushed (by digest).",
  MANIFEST_PULL: "A manifest is pulled (by digest).",
  MANIFEST_DELETE: "A manifest is deleted.",
  SCAN_COMPLETED: "A security scan of a tag completes.",
  SCAN_FAILED: "A security scan of a tag fails.",
  PROMOTION: "An image is promoted by a promotion policy.",
  PUSH_MIRRORING: "An image is pushed to a remote registry by a push mirror.",
  POLL_MIRRORING: "An image is pulled from a remote registry by a poll mirror.",
  CHART_PUSH: "A Helm chart is pushed.",
  CHART_PULL: "A Helm chart is pulled.",
  CHART_DELETE: "A Helm chart is deleted.",
  CHART_LINTED: "A Helm chart is linted.",
  REPO_EVENT: "Any repository event: created, updated or deleted.",
  SCANNER_UPDATE_COMPLETED: "The vulnerability database update completes (global webhooks only).",
  REPO_CREATED: "A repository is created.",
  REPO_UPDATED: "A repository's settings change.",
  REPO_DELETED: "A repository is deleted.",
};

export const EVENT_TYPES = Object.keys(EVENT_TYPE_DESCRIPTIONS) as SubscriptionType[];

/** The types an envelope carries (REPO_CREATED/UPDATED/DELETED arrive as REPO_EVENT), for the log's filter. */
const DELIVERED: Record<DeliveryEventType, true> = {
  TAG_PUSH: true, TAG_PULL: true, TAG_DELETE: true, MANIFEST_PUSH: true, MANIFEST_PULL: true, MANIFEST_DELETE: true,
  SCAN_COMPLETED: true, SCAN_FAILED: true, PROMOTION: true, PUSH_MIRRORING: true, POLL_MIRRORING: true, CHART_PUSH: true,
  CHART_PULL: true, CHART_DELETE: true, CHART_LINTED: true, REPO_EVENT: true, SCANNER_UPDATE_COMPLETED: true,
};
export const DELIVERED_TYPES = Object.keys(DELIVERED) as DeliveryEventType[];
