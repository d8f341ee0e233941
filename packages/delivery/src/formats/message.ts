// One readable sentence per event for the chat formats: who did what, to what, where, and a link.
// Pure: built from the delivered type, the contents and the envelope location.

export interface EventFacts {
  type: string;
  /** The contents as delivered (parsed). */
  contents: unknown;
  /** The envelope location (e.g. /repositories/ns/repo/tags/v1); null when none. */
  location: string | null;
  /** The registry host as clients see it (REGISTRY_HOST), e.g. msr.example.com. */
  registryHost: string;
}

export interface ReadableMessage {
  /** A short title, e.g. "TAG_PUSH foo/bar:v1". */
  title: string;
  /** One plain sentence: who did what, where. */
  text: string;
  /** Where to look at it in MSR. */
  link: string;
}

function str(c: Record<string, unknown>, name: string, fallback = "?"): string {
  const v = c[name];
  return typeof v === "string" && v !== "" ? v : fallback;
}

function num(c: unknown, name: string): number {
  const v = typeof c === "object" && c !== null ? (c as Record<string, unknown>)[name] : undefined;
  return typeof v === "number" ? v : 0;
}

const VERBS: Record<string, string> = { PUSH: "pushed", PULL: "pulled", DELETE: "deleted" };

function sentence(type: string, c: Record<string, unknown>, host: string): { subject: string; text: string } {
  const who = str(c, "author", "someone");
  const repo = `${str(c, "namespace")}/${str(c, "repository")}`;
  const verb = VERBS[type.split("_").pop() ?? ""] ?? "changed";
  switch (type) {
    case "TAG_PUSH":
    case "TAG_PULL":
    case "TAG_DELETE": {
      const image = `${repo}:${str(c, "tag")}`;
      return { subject: image, text: `${who} ${verb} ${image} (${str(c, "digest")}) on ${host}` };
    }
    case "MANIFEST_PUSH":
    case "MANIFEST_PULL":
    case "MANIFEST_DELETE": {
      const tag = typeof c["tag"] === "string" && c["tag"] !== "" ? `:${c["tag"]}` : "";
      const image = `${repo}@${str(c, "digest")}`;
      return { subject: image, text: `${who} ${verb} the manifest ${image}${tag ? ` (tag ${tag.slice(1)})` : ""} on ${host}` };
    }
    case "SCAN_COMPLETED": {
      const image = `${repo}:${str(c, "tag")}`;
      const s = c["scanSummary"];
      return {
        subject: image,
        text: `Scan of ${image} on ${host} completed: ${num(s, "critical")} critical, ${num(s, "major")} major, ${num(s, "minor")} minor vulnerabilities`,
      };
    }
    case "SCAN_FAILED": {
      const image = `${repo}:${str(c, "tag")}`;
      return { subject: image, text: `Scan of ${image} on ${host} failed: ${str(c, "error")}` };
    }
    case "PROMOTION": {
      const target = `${str(c, "targetRepository")}:${str(c, "targetTag")}`;
      return { subject: target, text: `${str(c, "sourceRepository")}:${str(c, "sourceTag")} was promoted to ${target} on ${host}` };
    }
    case "PUSH_MIRRORING": {
      const local = `${str(c, "localRepository")}:${str(c, "localTag")}`;
      return { subject: local, text: `${local} on ${host} was mirrored to ${str(c, "remoteHost")} ${str(c, "remoteRepository")}:${str(c, "remoteTag")}` };
    }
    case "POLL_MIRRORING": {
      const local = `${str(c, "localRepository")}:${str(c, "localTag")}`;
      return { subject: local, text: `${str(c, "remoteHost")} ${str(c, "remoteRepository")}:${str(c, "remoteTag")} was mirrored into ${local} on ${host}` };
    }
    case "CHART_PUSH":
    case "CHART_PULL":
    case "CHART_DELETE": {
      const chart = `${str(c, "chartName")} ${str(c, "chartVersion")}`;
      return { subject: `${repo} ${chart}`, text: `${who} ${verb} the chart ${chart} in ${repo} on ${host}` };
    }
    case "CHART_LINTED": {
      const chart = `${str(c, "chartName")} ${str(c, "chartVersion")}`;
      const passed = typeof c["lintResult"] === "object" && c["lintResult"] !== null && (c["lintResult"] as { passed?: unknown }).passed === true;
      return { subject: `${repo} ${chart}`, text: `The chart ${chart} in ${repo} on ${host} was linted: ${passed ? "passed" : "failed"}` };
    }
    case "REPO_EVENT": {
      const kind = str(c, "event");
      const done = kind === "REPO_CREATED" ? "created" : kind === "REPO_DELETED" ? "deleted" : "updated";
      return { subject: repo, text: `${who} ${done} the repository ${repo} on ${host}` };
    }
    case "SCANNER_UPDATE_COMPLETED":
      return {
        subject: "vulnerability scanner",
        text: `The vulnerability scanner on ${host} ${c["success"] === true ? "was updated" : "failed to update"} to ${str(c, "scanner_version")} (database version ${num(c, "db_version")})`,
      };
    default:
      return { subject: repo, text: `${type} on ${host}` };
  }
}

/** The readable message of an event. */
export function readableMessage(facts: EventFacts): ReadableMessage {
  const contents = typeof facts.contents === "object" && facts.contents !== null ? (facts.contents as Record<string, unknown>) : {};
  const { subject, text } = sentence(facts.type, contents, facts.registryHost);
  return { title: `${facts.type} ${subject}`, text, link: `https://${facts.registryHost}${facts.location ?? "/"}` };
}
