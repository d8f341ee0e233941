// A TypeScript port of how the Jenkins dockerhub-notification plugin reads a DTR webhook
// (fixtures/dtr-receivers/jenkins-dockerhub-notification/README.md names the Java it follows):
// the same field paths, the same splits, and json-lib's rule that getString/getJSONObject throw
// on a missing key while optString gives "". Used to check that what we deliver triggers the same
// Jenkins jobs, with the same build parameters, as what DTR delivered.

/** What the plugin takes from one payload: its push notification and the build environment. */
export interface JenkinsDtrNotification {
  /** DTR_EVENT_TYPE: the payload's `type`. */
  eventType: string;
  /** REPO_NAME, matched against the jobs' configured repositories: imageName.split(":")[0]. */
  repoName: string;
  /** DOCKER_REGISTRY_HOST: imageName.split("/")[0]. */
  registryHost: string;
  /** DOCKER_IMAGE_TAG: contents.tag. */
  tag: string;
  /** DOCKER_IMAGE_DIGEST: contents.digest, for every handled type but SCAN_COMPLETED. */
  digest: string | null;
  /** pushedAt of the build cause, in ms (Joda's ISO parser keeps milliseconds); null when the field is "". */
  happenedAt: number | null;
}

type Json = Record<string, unknown>;

class JSONException extends Error {}

// json-lib: a present value's string form; a missing key throws.
function getString(o: Json, key: string): string {
  if (!(key in o) || o[key] === null || o[key] === undefined) throw new JSONException(`JSONObject["${key}"] not found.`);
  const v = o[key];
  return typeof v === "string" ? v : JSON.stringify(v);
}

function optString(o: Json, key: string): string {
  const v = o[key];
  return v === undefined || v === null ? "" : typeof v === "string" ? v : JSON.stringify(v);
}

function getJSONObject(o: Json, key: string): Json {
  const v = o[key];
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new JSONException(`JSONObject["${key}"] is not a JSONObject.`);
  return v as Json;
}

/** The event types the plugin handles (events/impl), with each one's time field and whether it reads a digest. */
export const JENKINS_DTR_EVENT_TYPES = {
  TAG_PUSH: { timeStamp: (c: Json) => optString(c, "pushedAt"), hasDigest: true },
  TAG_DELETE: { timeStamp: (c: Json) => optString(c, "deletedAt"), hasDigest: true },
  MANIFEST_PUSH: { timeStamp: (c: Json) => optString(c, "pushedAt"), hasDigest: true },
  MANIFEST_DELETE: { timeStamp: (c: Json) => optString(c, "deletedAt"), hasDigest: true },
  SCAN_COMPLETED: { timeStamp: (c: Json) => optString(getJSONObject(c, "scanSummary"), "check_completed_at"), hasDigest: false },
} as const;

export type JenkinsDtrEventType = keyof typeof JENKINS_DTR_EVENT_TYPES;

// Joda's ISODateTimeFormat.dateTimeParser(): date, optional time with up to 9 fraction digits, optional offset.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

function parseJodaDateTime(s: string): number {
  const m = ISO.exec(s);
  if (m === null) throw new Error(`Invalid format: "${s}"`);
  const ms = (m[7] ?? "").padEnd(3, "0").slice(0, 3);
  const zone = m[8] === undefined || m[8] === "Z" ? "Z" : m[8].length === 3 ? `${m[8]}:00` : m[8].replace(/^([+-]\d{2})(\d{2})$/, "$1:$2");
  const t = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4] ?? "00"}:${m[5] ?? "00"}:${m[6] ?? "00"}.${ms}${zone}`);
  if (Number.isNaN(t)) throw new Error(`Invalid format: "${s}"`);
  return t;
}

/**
 * DockerTrustedRegistryWebHookPayload's constructor plus EventType.buildEnvironment: throws where
 * the plugin throws (it then logs "Could not parse the web hook payload!" and triggers nothing).
 */
export function parseDtrPayload(body: string): JenkinsDtrNotification {
  const data = JSON.parse(body) as Json;
  const contents = getJSONObject(data, "contents");
  const repoName = getString(contents, "imageName").split(":")[0] ?? "";
  const eventType = getString(data, "type");
  const registryHost = getString(contents, "imageName").split("/")[0] ?? "";
  const tag = getString(contents, "tag");
  const handler = (JENKINS_DTR_EVENT_TYPES as Record<string, (typeof JENKINS_DTR_EVENT_TYPES)[JenkinsDtrEventType]>)[eventType];
  let digest: string | null = null;
  let happenedAt: number | null = null;
  if (handler !== undefined) {
    const timeStamp = handler.timeStamp(contents);
    // The plugin tests `timeStamp != null`; optString's "" then fails to parse, which it does not catch.
    happenedAt = parseJodaDateTime(timeStamp);
    if (handler.hasDigest) digest = getString(contents, "digest");
  }
  return { eventType, repoName, registryHost, tag, digest, happenedAt };
}

/** JSONWebHook.trigger: does a job watching `repoNames` for `eventTypes` (none: TAG_PUSH only) build? */
export function triggersJob(n: JenkinsDtrNotification, job: { repoNames: readonly string[]; eventTypes: readonly string[] }): boolean {
  const typeMatches = job.eventTypes.length === 0 ? n.eventType === "TAG_PUSH" : job.eventTypes.includes(n.eventType);
  return typeMatches && job.repoNames.includes(n.repoName);
}
