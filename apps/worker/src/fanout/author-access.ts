// Whether a subscription's author still holds the access its key needs (contract section 5): a
// repository key needs repository admin, a namespace key namespace admin, the global key system
// admin. System admins and the namespace's own account are answered without a query; the rest
// through the db package's access rules, memoized per author and key for one event's fan-out.
import { isNamespaceAdmin, repositoryAccess, type Actor } from "@msr-webhooks/db/access";
import type { PrismaClient } from "@msr-webhooks/db/client";
import type { FanoutEvent, MatchedSubscription } from "./subscription.repository.js";

export class AuthorAccess {
  private readonly answers = new Map<string, Promise<string | null>>();

  constructor(
    private readonly db: PrismaClient,
    private readonly event: Pick<FanoutEvent, "namespaceId" | "repositoryId" | "repositoryVisibility">,
  ) {}

  /** Why the author may no longer receive this subscription's events; null when they may. */
  denial(sub: MatchedSubscription): Promise<string | null> {
    if (!sub.authorIsActive) return Promise.resolve("the author's account is deactivated");
    if (sub.authorIsAdmin) return Promise.resolve(null);
    if (sub.key === "") return Promise.resolve("the author is no longer a system admin");
    // A user's own namespace: admin of it and of every repository in it.
    if (sub.authorId === this.event.namespaceId) return Promise.resolve(null);
    const memoKey = `${sub.authorId}\u0000${sub.key}`;
    let answer = this.answers.get(memoKey);
    if (answer === undefined) {
      answer = this.check({ id: sub.authorId, isAdmin: false }, sub.key);
      this.answers.set(memoKey, answer);
    }
    return answer;
  }

  private async check(actor: Actor, key: string): Promise<string | null> {
    const { namespaceId, repositoryId, repositoryVisibility } = this.event;
    if (!key.includes("/")) {
      const admin = namespaceId !== null && (await isNamespaceAdmin(this.db, actor, namespaceId));
      return admin ? null : `the author is no longer an admin of namespace "${key}"`;
    }
    // A deleted repository leaves only its namespace's admins with a claim to it.
    const admin =
      namespaceId !== null && repositoryId !== null
        ? (await repositoryAccess(this.db, actor, { id: repositoryId, namespaceId, visibility: repositoryVisibility ?? "private" })) ===
          "admin"
        : namespaceId !== null && (await isNamespaceAdmin(this.db, actor, namespaceId));
    return admin ? null : `the author is no longer an admin of repository "${key}"`;
  }
}
