// Whether a webhook's author still administers what the webhook is bound to (contract
// section 5), by id: a repository needs repository admin, a namespace admin of every repository in
// it (its owner, or a team with `admin` on it), the global scope system admin. System admins and the namespace's own account are answered without a query;
// the rest through the db package's rule (the one the API's webhook management uses; plain SQL, here
// over the worker's pg pool), memoized per author and binding for one event's fan-out.
import { administersScope, type AccessQuery } from "@msr-webhooks/db/access";
import type { MatchedWebhook } from "./fanout.repository.js";

export class AuthorAccess {
  private readonly answers = new Map<string, Promise<string | null>>();

  constructor(private readonly db: AccessQuery) {}

  /** Why the author may no longer receive this webhook's events; null when they may. */
  denial(sub: MatchedWebhook): Promise<string | null> {
    if (!sub.authorIsActive) return Promise.resolve("the author's account is deactivated");
    if (sub.authorIsAdmin) return Promise.resolve(null);
    if (sub.namespaceId === null) return Promise.resolve("the author is no longer a system admin");
    // A user's own namespace: admin of it and of every repository in it.
    if (sub.authorId === sub.namespaceId) return Promise.resolve(null);
    const memoKey = `${sub.authorId}\u0000${sub.namespaceId}\u0000${sub.repositoryId ?? ""}`;
    let answer = this.answers.get(memoKey);
    if (answer === undefined) {
      answer = this.check(sub);
      this.answers.set(memoKey, answer);
    }
    return answer;
  }

  private async check(sub: MatchedWebhook): Promise<string | null> {
    const scope = { namespaceId: sub.namespaceId, repositoryId: sub.repositoryId };
    if (await administersScope(this.db, { id: sub.authorId, isAdmin: false }, scope)) return null;
    const what = sub.repositoryId === null ? "namespace" : "repository";
    return `the author is no longer an admin of ${what} "${sub.key}"`;
  }
}
