// Typed views of the rendered workloads: their pod templates, containers, and the environment a
// container gets from its ConfigMaps, Secret and literal values.
import type { K8sObject } from "./render.js";

export interface Probe {
  httpGet?: { path: string; port: string | number };
  periodSeconds?: number;
  timeoutSeconds?: number;
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}

interface KeyRef {
  name: string;
  key: string;
  optional?: boolean;
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef } }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

export interface PodSpec {
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  securityContext?: SecurityContext;
  initContainers?: Container[];
  containers: Container[];
  volumes?: { name: string; emptyDir?: object }[];
}

export interface Workload extends K8sObject {
  spec: { replicas?: number; selector?: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
}

export function find<T extends K8sObject = K8sObject>(objects: readonly K8sObject[], kind: string, name: string): T {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} in the rendered manifests`);
  return found as T;
}

export function workloads(objects: readonly K8sObject[]): Workload[] {
  return objects.filter((o) => o.kind === "Deployment" || o.kind === "Job") as Workload[];
}

export function allContainers(pod: PodSpec): Container[] {
  return [...(pod.initContainers ?? []), ...pod.containers];
}

/** What a Secret or ConfigMap holds, by key (a Secret's stringData or base64 data). */
export function keysOf(o: K8sObject): Record<string, string> {
  const decoded = Object.fromEntries(
    Object.entries((o["data"] as Record<string, string> | undefined) ?? {}).map(([k, v]) => [k, o.kind === "Secret" ? Buffer.from(v, "base64").toString() : v]),
  );
  return { ...decoded, ...((o["stringData"] as Record<string, string> | undefined) ?? {}) };
}

/**
 * The environment a container starts with, resolved against the rendered ConfigMaps and Secrets.
 * A reference to a missing object or key throws, unless it is marked optional.
 */
export function containerEnv(objects: readonly K8sObject[], container: Container): Record<string, string> {
  const source = (kind: "ConfigMap" | "Secret", ref: KeyRef | { name: string }): Record<string, string> => keysOf(find(objects, kind, ref.name));
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, source("ConfigMap", from.configMapRef));
    if (from.secretRef) Object.assign(env, source("Secret", from.secretRef));
  }
  for (const entry of container.env ?? []) {
    const ref = entry.valueFrom?.secretKeyRef ?? entry.valueFrom?.configMapKeyRef;
    if (ref === undefined) {
      env[entry.name] = entry.value ?? "";
      continue;
    }
    const value = source(entry.valueFrom?.secretKeyRef ? "Secret" : "ConfigMap", ref)[ref.key];
    if (value === undefined && ref.optional !== true) throw new Error(`${container.name}: ${entry.name} refers to ${ref.name}/${ref.key}, which does not exist`);
    if (value !== undefined) env[entry.name] = value;
  }
  return env;
}

/** A CPU or memory quantity in base units (cores, bytes): "250m", "1", "256Mi", "1Gi". */
export function quantity(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi)?$/.exec(text);
  if (m === null) throw new Error(`unsupported quantity ${text}`);
  const scale: Record<string, number> = { m: 0.001, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };
  return Number(m[1]) * (m[2] === undefined ? 1 : scale[m[2]]!);
}

/** Whether a label selector picks a pod with these labels. */
export function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
