// Checks rendered objects against the schemas the kubernetes-models packages ship: the Kubernetes
// API's own (kubernetes-models), KEDA's CRDs (@kubernetes-models/keda) and prometheus-operator's
// (@kubernetes-models/prometheus-operator). Two checks, as kubeconform's strict mode does both:
// - validate(): each model's JSON-schema validator (types, required fields, enums, formats);
// - unknown fields: those validators accept properties the schema does not define (Kubernetes'
//   OpenAPI sets no additionalProperties: false), so each object is also type-checked by the
//   TypeScript compiler against the same package's interface, whose excess-property check
//   rejects any field the schema does not name, at any depth (a misspelled field, a wrong level).
import path from "node:path";
import ts from "typescript";
import type { K8sObject } from "./render.js";

/** API groups whose models come from a package other than kubernetes-models. */
const CRD_PACKAGES: Record<string, string> = {
  "keda.sh": "@kubernetes-models/keda",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

/** The module that defines an object's model, e.g. kubernetes-models/apps/v1/Deployment. */
export function modelModule(o: Pick<K8sObject, "apiVersion" | "kind">): string {
  const group = o.apiVersion.includes("/") ? o.apiVersion.split("/")[0]! : "";
  return `${CRD_PACKAGES[group] ?? "kubernetes-models"}/${o.apiVersion}/${o.kind}`;
}

interface ModelClass {
  new (data: unknown): { validate(): void };
}

/** The schema validator's complaint about an object, or null when it is valid. */
export async function schemaErrors(o: K8sObject): Promise<string | null> {
  let mod: Record<string, ModelClass | undefined>;
  try {
    mod = (await import(modelModule(o))) as Record<string, ModelClass | undefined>;
  } catch {
    return `no schema for ${o.apiVersion} ${o.kind} (${modelModule(o)})`;
  }
  const Model = mod[o.kind];
  if (Model === undefined) return `${modelModule(o)} exports no ${o.kind}`;
  try {
    new Model(o).validate();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * The TypeScript compiler's errors for `const x: I<Kind> = <object>` over every object, one
 * message per error naming the object's index. Empty: no unknown field and no wrong type.
 */
export function unknownFieldErrors(objects: readonly K8sObject[]): string[] {
  const file = path.join(import.meta.dirname, "__rendered_manifests__.ts");
  const lines = objects.flatMap((o, i) => [
    `import type { I${o.kind} as T${i} } from ${JSON.stringify(modelModule(o))};`,
    `export const object${i}: T${i} = ${JSON.stringify(o)};`,
  ]);
  const source = lines.join("\n");
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) =>
    name === file ? ts.createSourceFile(name, source, version) : getSourceFile(name, version, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (d.file?.fileName !== file || d.start === undefined) return message;
    const line = d.file.getLineAndCharacterOfPosition(d.start).line;
    const o = objects[Math.floor(line / 2)];
    return `${o ? `${o.kind} ${o.metadata.name}` : "?"}: ${message}`;
  });
}
