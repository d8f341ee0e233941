// The delivered body (API section 3): envelope building, serialization, and what an event is
// about (its location path and the namespace/repository its subscriptions are keyed by).
import { formatGoTime, normalizeGoTime } from "./go-time.js";
import type { ContentsOf } from "./schemas.js";
import type { EventType } from "./types.js";

export interface EventEnvelope {
  type: EventType;
  /** RFC 3339 UTC as Go prints it. */
  createdAt: string;
  contents: object;
  location?: string;
}

export interface EventScope {
  /** "" for a global event. */
  namespace: string;
  /** "" for a global event. */
  repository: string;
}

function field(contents: object, name: string): string | undefined {
  const v = (contents as Record<string, unknown>)[name];
  return typeof v === "string" && v !== "" ? v : undefined;
}

// `ns/repo` split at the first slash; undefined when it is not of that shape.
function splitRepositoryPath(path: string | undefined): EventScope | undefined {
  const slash = path?.indexOf("/") ?? -1;
  if (path === undefined || slash <= 0 || slash === path.length - 1) return undefined;
  return { namespace: path.slice(0, slash), repository: path.slice(slash + 1) };
}

// Valid contents never need escaping; this only keeps odd input from breaking the path. The
// characters RFC 3986 allows in a path segment stay literal (`:` of a digest, `+` of SemVer).
function segment(s: string): string {
  return encodeURIComponent(s).replace(/%(?:3A|40|2B|24|26|2C|3B|3D)/g, decodeURIComponent);
}

function repositoryLocation(scope: EventScope | undefined): string | undefined {
  if (scope === undefined || scope.namespace === "" || scope.repository === "") return undefined;
  return `/repositories/${segment(scope.namespace)}/${segment(scope.repository)}`;
}

function under(base: string | undefined, ...parts: (string | undefined)[]): string | undefined {
  if (base === undefined || parts.some((p) => p === undefined)) return undefined;
  return [base, ...(parts as string[]).map(segment)].join("/");
}

/** The namespace and repository an event is about; both "" for a global event. */
export function scopeOf<T extends EventType>(type: T, contents: ContentsOf<T>): EventScope;
export function scopeOf(type: EventType, contents: object): EventScope;
export function scopeOf(type: EventType, contents: object): EventScope {
  const none: EventScope = { namespace: "", repository: "" };
  switch (type) {
    case "PROMOTION":
      return splitRepositoryPath(field(contents, "targetRepository")) ?? none;
    case "PUSH_MIRRORING":
    case "POLL_MIRRORING":
      return splitRepositoryPath(field(contents, "localRepository")) ?? none;
    case "SCANNER_UPDATE_COMPLETED":
      return none;
    default:
      return {
        namespace: field(contents, "namespace") ?? "",
        repository: field(contents, "repository") ?? "",
      };
  }
}

/** The envelope `location` derived from the contents; undefined when there is none. */
export function locationOf<T extends EventType>(type: T, contents: ContentsOf<T>): string | undefined;
export function locationOf(type: EventType, contents: object): string | undefined;
export function locationOf(type: EventType, contents: object): string | undefined {
  const repo = repositoryLocation(scopeOf(type, contents));
  switch (type) {
    case "TAG_PUSH":
    case "TAG_PULL":
    case "TAG_DELETE":
    case "SCAN_COMPLETED":
    case "SCAN_FAILED":
      return under(repo, "tags", field(contents, "tag"));
    case "MANIFEST_PUSH":
    case "MANIFEST_PULL":
    case "MANIFEST_DELETE":
      return under(repo, "manifests", field(contents, "digest"));
    case "PROMOTION":
      return under(repo, "tags", field(contents, "targetTag"));
    case "PUSH_MIRRORING":
    case "POLL_MIRRORING":
      return under(repo, "tags", field(contents, "localTag"));
    case "CHART_PUSH":
    case "CHART_PULL":
    case "CHART_DELETE":
    case "CHART_LINTED":
      return under(repo, "charts", field(contents, "chartName"), field(contents, "chartVersion"));
    case "REPO_EVENT":
      return repo;
    case "SCANNER_UPDATE_COMPLETED":
      return undefined;
  }
}

export interface EnvelopeInput {
  type: EventType;
  /** A Date, or an RFC 3339 string (rewritten in Go's UTC form; RangeError if invalid). */
  createdAt: Date | string;
  contents: object;
  location?: string | null;
}

export function buildEnvelope(e: EnvelopeInput): EventEnvelope {
  const createdAt =
    typeof e.createdAt === "string" ? normalizeGoTime(e.createdAt) : formatGoTime(e.createdAt);
  const envelope: EventEnvelope = { type: e.type, createdAt, contents: e.contents };
  if (e.location !== undefined && e.location !== null) envelope.location = e.location;
  return envelope;
}

/** The HTTP body: JSON with keys in MSR's order (type, createdAt, contents, location). */
export function serializeEnvelope(env: EventEnvelope): string {
  const ordered: EventEnvelope = { type: env.type, createdAt: env.createdAt, contents: env.contents };
  if (env.location !== undefined) ordered.location = env.location;
  return JSON.stringify(ordered);
}

export interface StoredEnvelope {
  type: EventType;
  /** Already in Go's form (a producer's time as given, or nowGoTime()). */
  createdAt: string;
  /** The contents as the producer sent them: JSON text, spliced in unchanged. */
  contentsJson: string;
  location?: string | null;
}

/**
 * The HTTP body of a stored event: as serializeEnvelope, but with the contents text as stored, so
 * the receiver gets the producer's key order and bytes (as MSR sends its Go struct's order), and
 * the signature covers exactly those bytes. `contentsJson` must be one JSON object (the database's
 * json column guarantees it).
 */
export function serializeStoredEnvelope(env: StoredEnvelope): string {
  const head = `{"type":${JSON.stringify(env.type)},"createdAt":${JSON.stringify(env.createdAt)}`;
  const location = env.location === undefined || env.location === null ? "" : `,"location":${JSON.stringify(env.location)}`;
  return `${head},"contents":${env.contentsJson}${location}}`;
}
