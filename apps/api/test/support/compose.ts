// Reads docker/compose.yml as Compose would for the deployment tests: YAML with merge keys,
// then `${VAR:-default}`-style interpolation against a given environment (empty by default, so a
// value is what an operator gets without setting anything).
import { readFileSync } from "node:fs";
import { parse } from "yaml";

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: unknown[];
  expose?: unknown[];
  container_name?: string;
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] | string };
  restart?: string;
  stop_grace_period?: string;
  volumes?: string[];
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export function readCompose(path: string): ComposeFile {
  const doc = parse(readFileSync(path, "utf8"), { merge: true, uniqueKeys: true, strict: true }) as unknown;
  if (typeof doc !== "object" || doc === null || !("services" in doc)) throw new Error(`${path}: no services`);
  return doc as ComposeFile;
}

/** Compose's interpolation: ${V}, ${V:-d}, ${V-d}, ${V:?msg}, ${V?msg}, $V and $$ (a literal $). */
export function interpolate(value: string, env: Record<string, string | undefined> = {}): string {
  return value.replace(/\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}|\$(\w+)/g, (whole, name?: string, op?: string, arg?: string, bare?: string) => {
    if (whole === "$$") return "$";
    const key = name ?? bare ?? "";
    const v = env[key];
    switch (op) {
      case ":-":
        return v === undefined || v === "" ? (arg ?? "") : v;
      case "-":
        return v === undefined ? (arg ?? "") : v;
      case ":?":
      case "?":
        if (v === undefined || (op === ":?" && v === "")) throw new Error(`${key}: ${arg ?? "required"}`);
        return v;
      default:
        return v ?? "";
    }
  });
}

/** A service's environment as the container sees it. */
export function serviceEnvironment(service: ComposeService, env: Record<string, string | undefined> = {}): Record<string, string> {
  const raw = service.environment ?? {};
  const entries: [string, string][] = Array.isArray(raw)
    ? raw.map((item) => {
        const eq = item.indexOf("=");
        return eq < 0 ? [item, env[item] ?? ""] : [item.slice(0, eq), item.slice(eq + 1)];
      })
    : Object.entries(raw).map(([k, v]) => [k, v === null ? (env[k] ?? "") : String(v)]);
  return Object.fromEntries(entries.map(([k, v]) => [k, interpolate(v, env)]));
}
