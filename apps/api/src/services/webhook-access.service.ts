// Who may subscribe to, see and manage a webhook (MSR contract sections 1 and 5). Subscribing
// resolves the key's names once, checks the rights on them and hands back the ids the webhook is
// bound to: "" (global) needs a system admin, `ns` an admin of every repository in it (a namespace
// admin, or a team with `admin` on the namespace), `ns/repo` a repository admin.
// Managing (update, delete, secret, log) needs the same rights on the bound ids, never on whoever
// holds the key's names now; an author who lost them can no longer manage the subscription (they
// still see it; others get 404).
import type { SubscriptionScope } from "@msr-webhooks/db/access";
import type { Webhook } from "@msr-webhooks/db/client";
import { ACCESS_RULES, parseKey } from "@msr-webhooks/events/access";
import type { SubscriptionType } from "@msr-webhooks/events/types";
import { notAuthorized } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import type { AccessService } from "./access.service.js";

const GLOBAL_SCOPE: SubscriptionScope = Object.freeze({ namespaceId: null, repositoryId: null });

export class WebhookAccessService {
  constructor(private readonly access: AccessService) {}

  /**
   * Checks that `principal` may subscribe to `type` with `key` (whose shape was checked) and returns
   * what the key names, by id. NO_SUCH_ACCOUNT / NO_SUCH_REPOSITORY when the key names nothing the
   * caller can see, NOT_AUTHORIZED when the caller sees it but does not administer it.
   */
  async requireSubscribe(principal: Principal, type: SubscriptionType, key: string): Promise<SubscriptionScope> {
    const parsed = parseKey(key);
    if (key === "" || parsed === null) {
      if (principal.isAdmin) return GLOBAL_SCOPE;
      throw notAuthorized(
        ACCESS_RULES[type].scope === "global"
          ? `${type} is a global event: only system admins may subscribe to it`
          : "a key (\"namespace/repository\" or \"namespace\") is required: only system admins may subscribe to every repository",
      );
    }
    if (parsed.repository === null) {
      const namespace = await this.access.requireNamespaceRepositoriesAdmin(principal, parsed.namespace);
      return { namespaceId: namespace.id, repositoryId: null };
    }
    const repo = await this.access.requireRepositoryAdmin(principal, parsed.namespace, parsed.repository);
    return { namespaceId: repo.namespaceId, repositoryId: repo.id };
  }

  /** Whether `principal` administers the account or repository the webhook is bound to. */
  canManage(principal: Principal, webhook: Pick<Webhook, "namespaceId" | "repositoryId">): Promise<boolean> {
    return this.access.administers(principal, { namespaceId: webhook.namespaceId, repositoryId: webhook.repositoryId });
  }
}
