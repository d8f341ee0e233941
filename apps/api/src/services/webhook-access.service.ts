// Who may subscribe to, see and manage a webhook (MSR contract sections 1 and 5). The key
// decides: "" (global) needs a system admin, `ns` a namespace admin, `ns/repo` a repository
// admin. Managing (update, delete, secret) needs the same rights as subscribing, so an author
// who lost them can no longer manage the subscription (they still see it; others get 404).
import { atLeast } from "@msr-webhooks/db/access";
import type { Webhook } from "@msr-webhooks/db/client";
import { ACCESS_RULES, parseKey } from "@msr-webhooks/events/access";
import type { SubscriptionType } from "@msr-webhooks/events/types";
import { ApiError, notAuthorized } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import type { AccessService } from "./access.service.js";

/** The lookup's value, or null when it failed with a 404 (anything else is rethrown). */
async function unlessMissing<T>(lookup: Promise<T>): Promise<T | null> {
  try {
    return await lookup;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

export class WebhookAccessService {
  constructor(private readonly access: AccessService) {}

  /**
   * Checks that `principal` may subscribe to `type` with `key` (whose shape was checked):
   * NO_SUCH_ACCOUNT / NO_SUCH_REPOSITORY when the key names nothing, NOT_AUTHORIZED when the
   * caller does not administer it.
   */
  async requireSubscribe(principal: Principal, type: SubscriptionType, key: string): Promise<void> {
    const parsed = parseKey(key);
    if (key === "" || parsed === null) {
      if (principal.isAdmin) return;
      throw notAuthorized(
        ACCESS_RULES[type].scope === "global"
          ? `${type} is a global event: only system admins may subscribe to it`
          : "a key (\"namespace/repository\" or \"namespace\") is required: only system admins may subscribe to every repository",
      );
    }
    if (parsed.repository === null) {
      await this.access.requireNamespaceAdmin(principal, parsed.namespace);
      return;
    }
    await this.access.requireRepositoryAdmin(principal, parsed.namespace, parsed.repository);
  }

  /**
   * Whether `principal` administers what the webhook is keyed to. A repository that has gone
   * since falls back to its namespace's admins; a namespace that has gone to system admins.
   */
  async canManage(principal: Principal, webhook: Pick<Webhook, "key">): Promise<boolean> {
    if (principal.isAdmin) return true;
    const parsed = webhook.key === "" ? null : parseKey(webhook.key);
    if (parsed === null) return false;
    const namespace = await unlessMissing(this.access.namespace(parsed.namespace));
    if (namespace === null) return false;
    if (parsed.repository !== null) {
      const repo = await unlessMissing(this.access.repository(parsed.namespace, parsed.repository));
      if (repo !== null) return atLeast(await this.access.levelOn(principal, repo), "admin");
    }
    return this.access.isNamespaceAdmin(principal, namespace);
  }
}
