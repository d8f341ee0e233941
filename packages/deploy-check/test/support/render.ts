// Renders deploy/kubernetes the way `kubectl kustomize` does for a base that only lists files:
// each listed file's YAML documents, in order. The base uses no other Kustomize feature
// (manifests.test.ts checks that, and compares with kubectl's own rendering when kubectl is here),
// so the rendering needs no binary and runs on every machine.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments, parse } from "yaml";

export const repoRoot = path.resolve(import.meta.dirname, "../../../..");
export const baseDir = path.join(repoRoot, "deploy/kubernetes");

/** A rendered object: what `kubectl apply` sends. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export interface Kustomization {
  [key: string]: unknown;
  resources: string[];
}

export function readKustomization(): Kustomization {
  return parse(readFileSync(path.join(baseDir, "kustomization.yaml"), "utf8")) as Kustomization;
}

/** Every YAML document of one file, parsed; a YAML error fails here with the file's name. */
export function readDocuments(file: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(path.join(baseDir, file), "utf8"));
  return docs
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join("; ")}`);
      return doc.toJS() as unknown;
    })
    .filter((value) => value !== null && value !== undefined);
}

export function render(): K8sObject[] {
  return readKustomization().resources.flatMap((file) => readDocuments(file) as K8sObject[]);
}

/** "Kind/namespace/name": how the tests name an object. */
export function objectId(o: Pick<K8sObject, "kind" | "metadata">): string {
  return `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
}
