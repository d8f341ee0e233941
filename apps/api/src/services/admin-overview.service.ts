// The system admins' overview in the console: deliveries per minute by outcome over the last
// 30 minutes, the delivery queue's backlog, the endpoints failing most, disabled webhooks.
import type { Queue } from "bullmq";
import type { Logger } from "winston";
import { notAuthorized } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import type { AdminOverviewView } from "../schemas/admin-overview.schemas.js";
import type { AdminOverviewRepository } from "../repositories/admin-overview.repository.js";

const WINDOW_MINUTES = 30;
const FAILING_SHOWN = 10;

export class AdminOverviewService {
  constructor(
    private readonly repository: AdminOverviewRepository,
    private readonly deliveryQueue: Queue,
    private readonly log: Logger,
  ) {}

  async overview(principal: Principal): Promise<AdminOverviewView> {
    if (!principal.isAdmin) throw notAuthorized("the overview is for system admins");
    const since = new Date(Date.now() - WINDOW_MINUTES * 60_000);
    const [perMinute, failing, disabled, backlog] = await Promise.all([
      this.repository.perMinute(since),
      this.repository.failingMost(since, FAILING_SHOWN),
      this.repository.disabledCount(),
      this.backlog(),
    ]);
    return {
      windowMinutes: WINDOW_MINUTES,
      perMinute: perMinute.map((m) => ({ minute: m.minute.toISOString(), succeeded: m.succeeded, failed: m.failed })),
      backlog,
      failingEndpoints: failing,
      disabledWebhooks: disabled,
    };
  }

  private async backlog(): Promise<AdminOverviewView["backlog"]> {
    try {
      const counts = await this.deliveryQueue.getJobCounts("wait", "prioritized", "delayed", "active");
      return { waiting: (counts["wait"] ?? 0) + (counts["prioritized"] ?? 0), delayed: counts["delayed"] ?? 0, active: counts["active"] ?? 0 };
    } catch (err) {
      this.log.warn("overview: the delivery queue did not answer", { error: err instanceof Error ? err.message : String(err) });
      return { waiting: 0, delayed: 0, active: 0 };
    }
  }
}
