// Who may subscribe to which type, and which `key` shape each type takes (API section 1).
import type { SubscriptionType } from "./types.js";

export type KeyScope = "repository" | "namespace" | "global";

export type Subscriber = "repository-admin" | "namespace-admin" | "system-admin";

export interface AccessRule {
  /** What the subscription key names: `ns/repo` (or `ns`), `ns`, or nothing. */
  scope: KeyScope;
  /** The least access needed to subscribe with a key of the scope's own shape. */
  subscriber: Subscriber;
  /** Whether MSR's web UI offers the type (the others are API only). */
  inUi: boolean;
}

// Frozen: the rules are shared between types, so one caller's mutation would change many.
const rule = (scope: KeyScope, subscriber: Subscriber, inUi: boolean): AccessRule =>
  Object.freeze({ scope, subscriber, inUi });

const REPOSITORY = rule("repository", "repository-admin", true);
const NAMESPACE = rule("namespace", "namespace-admin", false);
const GLOBAL = rule("global", "system-admin", false);

export const ACCESS_RULES: Readonly<Record<SubscriptionType, AccessRule>> = Object.freeze({
  TAG_PUSH: REPOSITORY,
  TAG_PULL: REPOSITORY,
  TAG_DELETE: REPOSITORY,
  MANIFEST_PUSH: REPOSITORY,
  MANIFEST_PULL: REPOSITORY,
  MANIFEST_DELETE: REPOSITORY,
  SCAN_COMPLETED: REPOSITORY,
  SCAN_FAILED: REPOSITORY,
  PROMOTION: REPOSITORY,
  PUSH_MIRRORING: REPOSITORY,
  POLL_MIRRORING: REPOSITORY,
  CHART_PUSH: REPOSITORY,
  CHART_PULL: REPOSITORY,
  CHART_DELETE: REPOSITORY,
  CHART_LINTED: REPOSITORY,
  REPO_EVENT: NAMESPACE,
  REPO_CREATED: NAMESPACE,
  REPO_UPDATED: NAMESPACE,
  REPO_DELETED: NAMESPACE,
  SCANNER_UPDATE_COMPLETED: GLOBAL,
});

/** Docker's path-component grammar: lowercase alphanumerics joined by `.`, `_`, `__` or dashes. */
export const NAME_COMPONENT_PATTERN = "^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$";

/** Longest key (`ns/repo` as a whole), as Docker limits a repository name. */
export const MAX_KEY_LENGTH = 255;

const nameComponent = new RegExp(NAME_COMPONENT_PATTERN);

export interface ParsedKey {
  namespace: string;
  repository: string | null;
}

/** Splits a subscription key into namespace and repository; null when the key is malformed. */
export function parseKey(key: string): ParsedKey | null {
  if (key === "") return { namespace: "", repository: null };
  if (key.length > MAX_KEY_LENGTH) return null;
  const parts = key.split("/");
  if (parts.length > 2 || !parts.every((p) => nameComponent.test(p))) return null;
  const [namespace, repository] = parts as [string, string | undefined];
  return { namespace, repository: repository ?? null };
}

/**
 * Why `key` has the wrong shape for `type`, or null when the shape fits. The empty key passes
 * here for every type: whether the caller may use it (system admins only) is an access question.
 */
export function keyShapeError(type: SubscriptionType, key: string): string | null {
  if (key === "") return null;
  const { scope } = ACCESS_RULES[type];
  if (scope === "global") {
    return `${type} is a global type: its key must be empty or omitted, got "${key}"`;
  }
  const parsed = parseKey(key);
  if (parsed === null) {
    return (
      `key "${key}" is not a valid "namespace" or "namespace/repository": each part must be ` +
      `lowercase letters and digits, optionally separated by ".", "_" or "-", ` +
      `at most ${MAX_KEY_LENGTH} characters in all`
    );
  }
  if (scope === "namespace" && parsed.repository !== null) {
    return `${type} subscriptions are keyed by a namespace, not a repository: use "${parsed.namespace}"`;
  }
  return null;
}
