// A Repository row (with its namespace) as MSR's repository object, and the contents of the
// REPO_EVENT a repository change emits: the same object, so the API response and the event's
// `data` cannot differ.
import type { RepositoryWithNamespace } from "@msr-webhooks/db/accounts";
import type { RepoEventContents } from "@msr-webhooks/events/schemas";
import type { RepoEventKind } from "@msr-webhooks/events/types";
import type { RepositoryView } from "../schemas/repository.schemas.js";

export function presentRepository(r: RepositoryWithNamespace): RepositoryView {
  return {
    id: r.id,
    namespace: r.namespace.name,
    namespaceType: r.namespace.isOrg ? "organization" : "user",
    name: r.name,
    shortDescription: r.shortDescription,
    longDescription: r.longDescription,
    visibility: r.visibility === "private" ? "private" : "public",
    scanOnPush: r.scanOnPush,
    immutableTags: r.immutableTags,
    enableManifestLists: r.enableManifestLists,
    pulls: r.pulls,
    pushes: r.pushes,
    tagLimit: r.tagLimit,
  };
}

/** The contents of the REPO_EVENT a repository change emits (`data` is {} on delete). */
export function repoEventContents(kind: RepoEventKind, author: string, r: RepositoryWithNamespace): RepoEventContents {
  const common = { namespace: r.namespace.name, repository: r.name, author };
  return kind === "REPO_DELETED"
    ? { ...common, event: kind, data: {} }
    : { ...common, event: kind, data: presentRepository(r) };
}
