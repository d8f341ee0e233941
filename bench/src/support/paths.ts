// Where the built apps are: the benchmarks run the real deployables, never their sources.
import { existsSync } from "node:fs";
import path from "node:path";

export const REPO_ROOT = path.resolve(import.meta.dirname, "../../..");
export const WORKER_ENTRY = path.join(REPO_ROOT, "apps/worker/dist/index.js");
export const API_ENTRY = path.join(REPO_ROOT, "apps/api/dist/index.js");

export function requireBuilt(entry: string): string {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build first (pnpm exec turbo run build)`);
  return entry;
}
