// deploy/kubernetes renders, and every rendered object is valid: against the Kubernetes API's
// schemas, KEDA's ScaledObject CRD and prometheus-operator's ServiceMonitor CRD, with no field
// that its schema does not define (support/schema-check.ts says how).
import { execFile, execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { baseDir, objectId, readKustomization, render, type K8sObject } from "./support/render.js";
import { schemaErrors, unknownFieldErrors } from "./support/schema-check.js";

const run = promisify(execFile);

function kubectl(): { ok: true } | { ok: false; reason: string } {
  try {
    execFileSync("kubectl", ["kustomize", "--help"], { stdio: "pipe" });
    return { ok: true };
  } catch (err) {
    const code = (err as { code?: string }).code;
    return { ok: false, reason: code === "ENOENT" ? "no kubectl here" : "kubectl has no kustomize" };
  }
}

describe("deploy/kubernetes", () => {
  let objects: K8sObject[];

  beforeAll(() => {
    objects = render();
  });

  it("is a Kustomize base that lists every manifest in the folder and uses nothing but `resources`", () => {
    const kustomization = readKustomization();
    expect(Object.keys(kustomization).sort()).toEqual(["apiVersion", "kind", "resources"]);
    const files = readdirSync(baseDir).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml");
    expect([...kustomization.resources].sort()).toEqual(files.sort());
  });

  const cli = kubectl();
  (cli.ok ? it : it.skip)(
    `renders the same objects with \`kubectl kustomize\`${cli.ok ? "" : ` (skipped: ${cli.reason}; the checks below use the same rendering)`}`,
    async () => {
      const { stdout } = await run("kubectl", ["kustomize", baseDir], { maxBuffer: 16 * 1024 * 1024 });
      const rendered = parseAllDocuments(stdout).map((d) => d.toJS() as K8sObject);
      const byId = (list: K8sObject[]): Map<string, K8sObject> => new Map(list.map((o) => [objectId(o), o]));
      expect(byId(rendered)).toEqual(byId(objects));
    },
  );

  it("holds the objects the deployment needs, each named once", () => {
    const ids = objects.map(objectId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [
        "ConfigMap/msr-webhooks-api",
        "ConfigMap/msr-webhooks-common",
        "ConfigMap/msr-webhooks-worker",
        "Deployment/msr-webhooks-api",
        "Deployment/msr-webhooks-worker",
        "HorizontalPodAutoscaler/msr-webhooks-api",
        "Job/msr-webhooks-migrate",
        "Namespace/msr-webhooks",
        "PodDisruptionBudget/msr-webhooks-api",
        "PodDisruptionBudget/msr-webhooks-worker",
        "ScaledObject/msr-webhooks-worker",
        "Secret/msr-webhooks",
        "Service/msr-webhooks-api",
        "Service/msr-webhooks-worker",
        "ServiceMonitor/msr-webhooks",
      ].sort(),
    );
  });

  it("validates every object against its schema (Kubernetes, KEDA, prometheus-operator)", async () => {
    const problems: string[] = [];
    for (const o of objects) {
      const error = await schemaErrors(o);
      if (error !== null) problems.push(`${objectId(o)}: ${error}`);
    }
    expect(problems).toEqual([]);
  });

  it("has no field its schema does not define, at any depth", () => {
    expect(unknownFieldErrors(objects)).toEqual([]);
  });
});
