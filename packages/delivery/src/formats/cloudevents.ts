// The CloudEvents format: CloudEvents 1.0 over HTTP, structured or binary mode, built with the
// official SDK. type com.mirantis.msr.<what>.<verb>; source https://<registry host>/<ns>/<repo>;
// id the delivery's stable id (retries keep it, so receivers dedupe); subject the tag (or digest,
// chart version); time the event's; data the contents as delivered in the MSR envelope.
import { CloudEvent, HTTP } from "cloudevents";
import type { CloudEventsMode } from "./settings.js";
import { tagOf } from "./filter.js";

export const CLOUDEVENTS_TYPE_PREFIX = "com.mirantis.msr";

const TYPES: Record<string, string> = {
  TAG_PUSH: "tag.push",
  TAG_PULL: "tag.pull",
  TAG_DELETE: "tag.delete",
  MANIFEST_PUSH: "manifest.push",
  MANIFEST_PULL: "manifest.pull",
  MANIFEST_DELETE: "manifest.delete",
  SCAN_COMPLETED: "scan.completed",
  SCAN_FAILED: "scan.failed",
  PROMOTION: "promotion",
  PUSH_MIRRORING: "mirroring.push",
  POLL_MIRRORING: "mirroring.poll",
  CHART_PUSH: "chart.push",
  CHART_PULL: "chart.pull",
  CHART_DELETE: "chart.delete",
  CHART_LINTED: "chart.linted",
  SCANNER_UPDATE_COMPLETED: "scanner.update.completed",
};

const REPO_KINDS: Record<string, string> = { REPO_CREATED: "repository.created", REPO_UPDATED: "repository.updated", REPO_DELETED: "repository.deleted" };

function text(c: Record<string, unknown>, name: string): string | undefined {
  const v = c[name];
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** The CloudEvents type of an MSR event, e.g. com.mirantis.msr.tag.push (REPO_EVENT: by its kind). */
export function cloudEventType(type: string, contents: Record<string, unknown>): string {
  const suffix = type === "REPO_EVENT" ? (REPO_KINDS[text(contents, "event") ?? ""] ?? "repository.event") : (TYPES[type] ?? type.toLowerCase());
  return `${CLOUDEVENTS_TYPE_PREFIX}.${suffix}`;
}

function repositoryOf(type: string, c: Record<string, unknown>): string | undefined {
  if (type === "PROMOTION") return text(c, "targetRepository");
  if (type === "PUSH_MIRRORING" || type === "POLL_MIRRORING") return text(c, "localRepository");
  const ns = text(c, "namespace");
  const repo = text(c, "repository");
  return ns !== undefined && repo !== undefined ? `${ns}/${repo}` : undefined;
}

function subjectOf(type: string, c: Record<string, unknown>): string | undefined {
  if (type.startsWith("CHART_")) {
    const name = text(c, "chartName");
    const version = text(c, "chartVersion");
    return name !== undefined && version !== undefined ? `${name}:${version}` : undefined;
  }
  return tagOf(type, c) ?? text(c, "digest");
}

export interface CloudEventInput {
  /** The delivery's id (stable across retries). */
  id: string;
  type: string;
  /** The envelope's createdAt. */
  time: string;
  contents: unknown;
  registryHost: string;
}

export function toCloudEvent(input: CloudEventInput): CloudEvent<unknown> {
  const contents = typeof input.contents === "object" && input.contents !== null ? (input.contents as Record<string, unknown>) : {};
  const repository = repositoryOf(input.type, contents);
  const subject = subjectOf(input.type, contents);
  return new CloudEvent<unknown>({
    specversion: "1.0",
    id: input.id,
    type: cloudEventType(input.type, contents),
    source: `https://${input.registryHost}${repository === undefined ? "" : `/${repository}`}`,
    ...(subject === undefined ? {} : { subject }),
    time: new Date(input.time).toISOString(),
    datacontenttype: "application/json",
    data: input.contents,
  });
}

/** The HTTP body and headers of the event in `mode` (the SDK's serializers). */
export function cloudEventMessage(input: CloudEventInput, mode: CloudEventsMode): { body: string; headers: Record<string, string> } {
  const event = toCloudEvent(input);
  const message = mode === "binary" ? HTTP.binary(event) : HTTP.structured(event);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (value !== undefined) headers[name] = String(value);
  }
  return { body: typeof message.body === "string" ? message.body : JSON.stringify(message.body), headers };
}
