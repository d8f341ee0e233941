// Where the built apps are: the benchmarks run the real deployables, never their sources.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

export const REPO_ROOT = path.resolve(import.meta.dirname, "../../..");
export const WORKER_ENTRY = path.join(REPO_ROOT, "apps/worker/dist/index.js");
export const API_ENTRY = path.join(REPO_ROOT, "apps/api/dist/index.js");

export function requireBuilt(entry: string): string {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build first (pnpm exec turbo run build)`);
  return entry;
}

/** The node flags of an app's own `start` script (apps/<app>/package.json): the bench runs it as deployed. */
export function startScriptFlags(app: "api" | "worker"): string[] {
  const file = path.join(REPO_ROOT, `apps/${app}/package.json`);
  const pkg = JSON.parse(readFileSync(file, "utf8")) as { scripts?: { start?: string } };
  const words = (pkg.scripts?.start ?? "").split(/\s+/).filter(Boolean);
  const entry = words.findIndex((w) => w.endsWith(".js"));
  if (words[0] !== "node" || entry === -1) throw new Error(`${file}: cannot read node flags from start script "${pkg.scripts?.start ?? ""}"`);
  return words.slice(1, entry);
}
