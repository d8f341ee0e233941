// The platform (os, architecture) of an image manifest: from its image configuration, or from
// the entries of a manifest list / OCI index; and how several platforms are reported in one
// webhook (the MSR contents have one `os` and one `architecture` string).
import { RegistryError } from "./registry-error.js";

export interface Platform {
  os: string;
  architecture: string;
}

// OCI's descriptor digest grammar: keeps a digest from the manifest out of any other URL path.
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

function record(x: unknown): Record<string, unknown> | null {
  return typeof x === "object" && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : null;
}

function text(x: unknown): string {
  return typeof x === "string" ? x : "";
}

function platformOf(x: unknown): Platform {
  const r = record(x);
  return { os: text(r?.["os"]), architecture: text(r?.["architecture"]) };
}

// buildx adds attestation manifests with platform unknown/unknown to an index: not an image.
const isImagePlatform = (p: Platform): boolean => p.os !== "unknown" && p.architecture !== "unknown";

/**
 * The platforms of a manifest: one for an image (read from its configuration through
 * `fetchConfig`), one per image entry for a manifest list or OCI index.
 */
export async function platformsOfManifest(
  manifest: unknown,
  fetchConfig: (digest: string) => Promise<unknown>,
): Promise<Platform[]> {
  const m = record(manifest);
  if (m === null) throw new RegistryError("the manifest is not a JSON object");
  if (Array.isArray(m["manifests"])) {
    return m["manifests"].map((entry) => platformOf(record(entry)?.["platform"])).filter(isImagePlatform);
  }
  const config = record(m["config"]);
  if (config !== null) {
    const digest = text(config["digest"]);
    if (!DIGEST.test(digest)) throw new RegistryError("the manifest's config has no valid digest");
    return [platformOf(await fetchConfig(digest))];
  }
  if (m["schemaVersion"] === 1) {
    // Docker schema 1: the architecture is in the manifest, the os in the newest history entry.
    const history = Array.isArray(m["history"]) ? m["history"] : [];
    let os = "";
    try {
      os = platformOf(JSON.parse(text(record(history[0])?.["v1Compatibility"])) as unknown).os;
    } catch {
      os = "";
    }
    return [{ os, architecture: text(m["architecture"]) }];
  }
  throw new RegistryError("not an image manifest, manifest list or index");
}

/**
 * One `os` and one `architecture` for the webhook: the distinct values in the order of the
 * entries, joined by ",". An image gives `linux` / `arm64`; an index of linux/amd64 and
 * linux/arm64 gives `linux` / `amd64,arm64`; no platform at all gives empty strings.
 */
export function describePlatforms(platforms: readonly Platform[]): Platform {
  const distinct = (values: string[]) => [...new Set(values.filter((v) => v !== ""))].join(",");
  return {
    os: distinct(platforms.map((p) => p.os)),
    architecture: distinct(platforms.map((p) => p.architecture)),
  };
}
