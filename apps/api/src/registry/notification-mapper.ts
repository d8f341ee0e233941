// What one Distribution registry event means for webhooks: which manifest or tag it concerns
// (blob events and anything else are ignored, with the reason), and the MSR events it becomes.
//
// What Distribution 2.8 sends, measured:
// - push / pull of a manifest: target {mediaType, digest, repository, url, tag?}; the tag is
//   there when the client named one. Blobs come as mediaType application/octet-stream.
// - DELETE /v2/<name>/manifests/<digest>: first {digest, repository} (the manifest), then one
//   {repository, tag} per tag that pointed at it, all with the same request id. A blob delete
//   also sends {digest, repository}: no client deletes blobs (garbage-collect removes them,
//   silently), so a digest-only delete is taken as a manifest delete.
import { normalizeGoTime } from "@msr-webhooks/events/go-time";
import { DIGEST_PATTERN, TAG_PATTERN } from "@msr-webhooks/events/schemas";
import { NAME_COMPONENT_PATTERN } from "@msr-webhooks/events/access";
import type { EventType } from "@msr-webhooks/events/types";
import type { RegistryEvent } from "../schemas/event-distribution.schemas.js";
import type { Platform } from "./platforms.js";

export type RegistryAction = "push" | "pull" | "delete";

/** A registry event about a manifest or a tag of an `ns/repo` repository. */
export interface ManifestNotice {
  eventId: string;
  action: RegistryAction;
  namespace: string;
  repository: string;
  digest: string | undefined;
  tag: string | undefined;
  /** The registry's timestamp, as Go prints a time. */
  time: string;
  /** The authenticated account that pushed, pulled or deleted; "" when the registry has no auth. */
  author: string;
  /** The registry's request id: ties a tag delete to the manifest delete that caused it. */
  requestId: string | undefined;
}

export type ParsedRegistryEvent = { notice: ManifestNotice } | { ignored: string };

/** A webhook event made from a registry event; the contents are checked by the caller. */
export interface MappedEvent {
  type: EventType;
  createdAt: string;
  contents: Record<string, unknown>;
  producerId: string;
}

const BLOB_MEDIA_TYPE = "application/octet-stream";
/** `namespace/name` at most this long: Docker's limit, and MSR's. */
const REPOSITORY_PATH_MAX = 255;
const ACTIONS: ReadonlySet<string> = new Set(["push", "pull", "delete"]);
const nameRe = new RegExp(NAME_COMPONENT_PATTERN);
const digestRe = new RegExp(DIGEST_PATTERN);
const tagRe = new RegExp(TAG_PATTERN);

const TIME_FIELD: Record<RegistryAction, string> = { push: "pushedAt", pull: "pulledAt", delete: "deletedAt" };
const TAG_TYPE: Record<RegistryAction, EventType> = { push: "TAG_PUSH", pull: "TAG_PULL", delete: "TAG_DELETE" };
const MANIFEST_TYPE: Record<RegistryAction, EventType> = {
  push: "MANIFEST_PUSH",
  pull: "MANIFEST_PULL",
  delete: "MANIFEST_DELETE",
};

function goTime(value: string | undefined, now: Date): string {
  try {
    return normalizeGoTime(value ?? "");
  } catch {
    return normalizeGoTime(now.toISOString());
  }
}

export interface ParseOptions {
  /**
   * The User-Agent of this service's own registry client: reading a manifest for its platform
   * is a pull in the registry's eyes, and must not come back as a MANIFEST_PULL.
   */
  ownUserAgent?: string;
  now?: Date;
}

/** Reads a registry event; anything that is not about a manifest or tag is ignored, with why. */
export function parseRegistryEvent(e: RegistryEvent, options: ParseOptions = {}): ParsedRegistryEvent {
  const now = options.now ?? new Date();
  const action = e.action ?? "";
  if (!ACTIONS.has(action)) return { ignored: `action ${JSON.stringify(action)} makes no webhook event` };
  if (action === "pull" && options.ownUserAgent !== undefined && e.request?.useragent === options.ownUserAgent) {
    return { ignored: "this service's own read of the manifest" };
  }
  const target = e.target ?? {};
  if (target.mediaType === BLOB_MEDIA_TYPE || (target.url ?? "").includes("/blobs/")) return { ignored: "blob event" };
  if (e.id === undefined || e.id === "") return { ignored: "event without an id" };
  const parts = (target.repository ?? "").split("/");
  const [namespace = "", repository = ""] = parts;
  const tooLong = (target.repository ?? "").length > REPOSITORY_PATH_MAX;
  if (parts.length !== 2 || tooLong || !nameRe.test(namespace) || !nameRe.test(repository)) {
    return { ignored: `repository ${JSON.stringify(target.repository ?? "")} is not namespace/name` };
  }
  const digest = target.digest === undefined || target.digest === "" ? undefined : target.digest;
  const tag = target.tag === undefined || target.tag === "" ? undefined : target.tag;
  if (digest !== undefined && !digestRe.test(digest)) return { ignored: `unsupported digest ${digest}` };
  if (tag !== undefined && !tagRe.test(tag)) return { ignored: `invalid tag ${JSON.stringify(tag)}` };
  if (digest === undefined && (action !== "delete" || tag === undefined)) return { ignored: "no digest" };
  return {
    notice: {
      eventId: e.id,
      action: action as RegistryAction,
      namespace,
      repository,
      digest,
      tag,
      time: goTime(e.timestamp, now),
      author: e.actor?.name ?? "",
      requestId: e.request?.id === "" ? undefined : e.request?.id,
    },
  };
}

/** The producer id of one webhook event made from a registry event (the registry resends on failure). */
export function distributionProducerId(eventId: string, type: EventType): string {
  return `distribution:${eventId}:${type}`;
}

/**
 * The MANIFEST_* event (when the digest is known) and the TAG_* event (when a tag is named) of
 * a notice. `digest` overrides the notice's: a tag delete learns it from its manifest delete.
 */
export function mapNotice(
  n: ManifestNotice,
  options: { registryHost: string; platform: Platform; digest?: string | undefined },
): MappedEvent[] {
  const digest = n.digest ?? options.digest;
  if (digest === undefined) return [];
  const path = `${options.registryHost}/${n.namespace}/${n.repository}`;
  const common = {
    namespace: n.namespace,
    repository: n.repository,
    digest,
    os: options.platform.os,
    architecture: options.platform.architecture,
    author: n.author,
    [TIME_FIELD[n.action]]: n.time,
  };
  const out: MappedEvent[] = [];
  if (n.digest !== undefined) {
    const type = MANIFEST_TYPE[n.action];
    const contents = { ...common, imageName: `${path}@${digest}`, ...(n.tag === undefined ? {} : { tag: n.tag }) };
    out.push({ type, createdAt: n.time, contents, producerId: distributionProducerId(n.eventId, type) });
  }
  if (n.tag !== undefined) {
    const type = TAG_TYPE[n.action];
    const contents = { ...common, tag: n.tag, imageName: `${path}:${n.tag}` };
    out.push({ type, createdAt: n.time, contents, producerId: distributionProducerId(n.eventId, type) });
  }
  return out;
}
