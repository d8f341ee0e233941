// What the rendered workloads promise beyond their schemas: hardened pods with measured sizes,
// the images and migration command docker/ uses, probes on the ports the apps listen on, a grace
// period above the worker's drain, autoscalers, budgets, Services and the ServiceMonitor wired to
// what they name, and for each app only variables it reads, with values its own validation
// accepts (each app's exported Env schema and loadConfig, read from its source).
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "yaml";
import { render, repoRoot, type K8sObject } from "./support/render.js";
import { allContainers, containerEnv, find, keysOf, quantity, selects, workloads, type Container, type Workload } from "./support/pods.js";

interface AppConfigModule {
  Env: { properties: Record<string, unknown> };
  loadConfig(source: Record<string, string | undefined>): unknown;
}

const importSource = async <T>(file: string): Promise<T> => (await import(pathToFileURL(path.join(repoRoot, file)).href)) as T;
const appConfig = (app: "api" | "worker"): Promise<AppConfigModule> => importSource<AppConfigModule>(`apps/${app}/src/config.ts`);

const objects: K8sObject[] = render();
const api = find<Workload>(objects, "Deployment", "msr-webhooks-api");
const worker = find<Workload>(objects, "Deployment", "msr-webhooks-worker");
const migrate = find<Workload>(objects, "Job", "msr-webhooks-migrate");
const mainContainer = (w: Workload): Container => w.spec.template.spec.containers[0]!;
const envOf = (w: Workload): Record<string, string> => containerEnv(objects, mainContainer(w));

describe("deploy/kubernetes workloads", () => {
  it("run every container non-root, read-only, unprivileged, with all capabilities dropped and RuntimeDefault seccomp", () => {
    for (const w of workloads(objects)) {
      const pod = w.spec.template.spec;
      expect({ [w.metadata.name]: pod.automountServiceAccountToken }).toEqual({ [w.metadata.name]: false });
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
      expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
      for (const c of allContainers(pod)) {
        expect({ [c.name]: c.securityContext }).toEqual({
          [c.name]: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ["ALL"] } },
        });
        // The only writable place: an emptyDir on /tmp (Prisma's CLI and Node may write there).
        expect(c.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
      }
      expect(pod.volumes).toEqual([{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }]);
    }
  });

  it("request and cap CPU and memory for every container, the memory limit above the measured peak", () => {
    for (const w of workloads(objects)) {
      for (const c of allContainers(w.spec.template.spec)) {
        const { requests = {}, limits = {} } = c.resources ?? {};
        for (const resource of ["cpu", "memory"]) {
          expect(`${c.name}.${resource}: ${requests[resource] !== undefined && limits[resource] !== undefined}`).toBe(`${c.name}.${resource}: true`);
          expect(quantity(requests[resource]!)).toBeLessThanOrEqual(quantity(limits[resource]!));
        }
      }
    }
    // docs/benchmarks.md: worker peak RSS 224 MB (throughput), API 299 MB (cost), migration ~190 MB.
    const peaks: [Workload, number][] = [[worker, 224e6], [api, 299e6], [migrate, 190e6]];
    for (const [w, peak] of peaks) expect(quantity(mainContainer(w).resources!.limits!.memory!)).toBeGreaterThan(peak);
  });

  it("use the images docker/compose.yml builds, and run the migration as compose does, once, before the apps", () => {
    const compose = parse(readFileSync(path.join(repoRoot, "docker/compose.yml"), "utf8")) as {
      services: Record<string, { image?: string; command?: string[] }>;
    };
    const image = (service: string): string => compose.services[service]!.image!.replace(/\$\{TAG:-([^}]+)\}/, "$1");
    expect(mainContainer(api).image).toBe(image("api"));
    expect(mainContainer(worker).image).toBe(image("worker"));
    expect(mainContainer(migrate).image).toBe(image("migrate"));
    expect(mainContainer(migrate).command).toEqual(compose.services.migrate!.command);
    expect(migrate.spec.template.spec).toMatchObject({ restartPolicy: "Never" });
    for (const w of [api, worker]) {
      expect(mainContainer(w).command).toBeUndefined(); // the image's CMD: the app, never a migration
      const [wait] = w.spec.template.spec.initContainers ?? [];
      expect(wait?.image).toBe(mainContainer(w).image);
      expect(wait?.command?.join(" ")).toMatch(/until node_modules\/\.bin\/prisma migrate status/);
    }
  });

  it("probe /healthz (liveness, startup) and /readyz (readiness) on the port each app listens on", async () => {
    const cases: [Workload, "api" | "worker", string, string][] = [
      [api, "api", "PORT", "http"],
      [worker, "worker", "WORKER_HTTP_PORT", "ops"],
    ];
    for (const [w, app, portVariable, portName] of cases) {
      const c = mainContainer(w);
      const config = (await appConfig(app)).Env.properties[portVariable] as { default: number };
      const port = Number(envOf(w)[portVariable] ?? config.default);
      expect(c.ports).toEqual([{ name: portName, containerPort: port, protocol: "TCP" }]);
      expect(c.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: portName });
      expect(c.startupProbe?.httpGet).toEqual({ path: "/healthz", port: portName });
      expect(c.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: portName });
      // /readyz waits READINESS_TIMEOUT_MS per dependency: the probe must wait longer.
      const readiness = Number(envOf(w)["READINESS_TIMEOUT_MS"] ?? 2000);
      expect((c.readinessProbe?.timeoutSeconds ?? 1) * 1000).toBeGreaterThan(readiness);
    }
  });

  it("give each pod a termination grace period above its shutdown: the worker's drain, the API's preStop and close", () => {
    const drainMs = Number(envOf(worker)["SHUTDOWN_GRACE_MS"]);
    expect(drainMs).toBeGreaterThan(0);
    expect(worker.spec.template.spec.terminationGracePeriodSeconds! * 1000).toBeGreaterThanOrEqual(drainMs + 10_000);
    // apps/api/src/index.ts: on SIGTERM the API exits at the latest 10 s later.
    const preStop = Number(mainContainer(api).lifecycle?.preStop?.exec?.command[1]);
    expect(api.spec.template.spec.terminationGracePeriodSeconds!).toBeGreaterThan(preStop + 10);
  });

  it("leave the replica count to the autoscalers, which target the right Deployments", () => {
    for (const w of [api, worker]) expect(w.spec.replicas).toBeUndefined();
    const hpa = find(objects, "HorizontalPodAutoscaler", "msr-webhooks-api");
    expect(hpa["spec"]).toMatchObject({ scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: api.metadata.name }, minReplicas: 2 });
    const scaled = find(objects, "ScaledObject", "msr-webhooks-worker");
    expect(scaled["spec"]).toMatchObject({ scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: worker.metadata.name }, minReplicaCount: 2 });
  });

  it("scale the worker on the delivery backlog its /metrics exports, one pod per DELIVERY_CONCURRENCY", async () => {
    const spec = find(objects, "ScaledObject", "msr-webhooks-worker")["spec"] as { triggers: { type: string; metadata: Record<string, string> }[] };
    const trigger = spec.triggers.find((t) => t.type === "prometheus")!;
    const { QUEUE_NAMES } = await importSource<{ QUEUE_NAMES: { delivery: string } }>("packages/queue/src/names.ts");
    const metrics = readFileSync(path.join(repoRoot, "packages/observability/src/metrics.ts"), "utf8");
    const query = trigger.metadata["query"]!;
    const metric = /^sum\(max by \(state\) \((\w+)\{(.*)\}\)\)$/.exec(query);
    expect(metric).not.toBeNull();
    expect(metrics).toContain(`name: "${metric![1]}"`);
    expect(metric![2]).toContain(`namespace="${worker.metadata.namespace}"`);
    expect(metric![2]).toContain(`queue="${QUEUE_NAMES.delivery}"`);
    // Every state of due work, and only states the gauge exports.
    const { QUEUE_STATES } = await importSource<{ QUEUE_STATES: readonly string[] }>("packages/observability/src/metrics.ts");
    const states = /state=~"([^"]*)"/.exec(metric![2]!)![1]!.split("|");
    expect([...states].sort()).toEqual(["active", "prioritized", "waiting"]);
    for (const state of states) expect(QUEUE_STATES).toContain(state);
    expect(trigger.metadata["threshold"]).toBe(envOf(worker)["DELIVERY_CONCURRENCY"]);
  });

  it("wire budgets, Services and the ServiceMonitor to the pods and ports they name", () => {
    const podLabels = (w: Workload): Record<string, string> => w.spec.template.metadata.labels;
    for (const w of [api, worker]) {
      expect(selects(w.spec.selector!.matchLabels, podLabels(w))).toBe(true);
      const pdb = find(objects, "PodDisruptionBudget", w.metadata.name)["spec"] as { selector: { matchLabels: Record<string, string> } };
      expect(workloads(objects).filter((x) => selects(pdb.selector.matchLabels, podLabels(x)))).toEqual([w]);
      const service = find(objects, "Service", w.metadata.name)["spec"] as { selector: Record<string, string>; ports: { name: string; targetPort: string }[] };
      expect(workloads(objects).filter((x) => selects(service.selector, podLabels(x)))).toEqual([w]);
      const portNames = (mainContainer(w).ports ?? []).map((p) => p.name);
      for (const port of service.ports) expect(portNames).toContain(port.targetPort);
    }
    const monitor = find(objects, "ServiceMonitor", "msr-webhooks")["spec"] as {
      selector: { matchLabels: Record<string, string> };
      endpoints: { port: string; path: string; authorization: { credentials: { name: string; key: string } } }[];
    };
    const services = objects.filter((o) => o.kind === "Service" && selects(monitor.selector.matchLabels, o.metadata.labels ?? {}));
    expect(services.map((s) => s.metadata.name).sort()).toEqual([api.metadata.name, worker.metadata.name]);
    const servicePorts = services.flatMap((s) => (s["spec"] as { ports: { name: string }[] }).ports.map((p) => p.name));
    expect(monitor.endpoints.map((e) => e.port).sort()).toEqual([...servicePorts].sort());
    for (const endpoint of monitor.endpoints) {
      expect(endpoint.path).toBe("/metrics");
      const { name, key } = endpoint.authorization.credentials;
      // The token Prometheus sends is the one both apps check.
      expect(keysOf(find(objects, "Secret", name))[key]).toBe(envOf(api)["METRICS_TOKEN"]);
      expect(envOf(worker)["METRICS_TOKEN"]).toBe(envOf(api)["METRICS_TOKEN"]);
    }
  });

  it("give each app only variables it reads, with values its own config validation accepts", async () => {
    for (const [w, app] of [[api, "api"], [worker, "worker"]] as const) {
      const { Env, loadConfig } = await appConfig(app);
      const env = envOf(w);
      expect(Object.keys(env).filter((name) => !(name in Env.properties))).toEqual([]);
      expect(() => loadConfig(env)).not.toThrow();
    }
    expect(Object.keys(envOf(migrate)).sort()).toEqual(["CHECKPOINT_DISABLE", "DATABASE_URL"]);
  });

  it("ship placeholders, never secrets: every non-empty Secret value says CHANGE-ME", () => {
    for (const secret of objects.filter((o) => o.kind === "Secret")) {
      for (const [key, value] of Object.entries(keysOf(secret))) {
        if (value !== "") expect(`${key}: ${value}`).toMatch(/CHANGE-ME/);
      }
    }
  });
});
