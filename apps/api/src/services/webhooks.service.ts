// The webhook subscriptions of MSR's /api/v0 (contract sections 1 and 2) plus the signing
// secret extension (delivery.md "Signing"): create, list, update, delete, rotate. A webhook is
// bound to the account and repository its key named when it was made (by id): the listings and
// every check follow the ids, and the webhook goes when they are deleted.
import { randomBytes } from "node:crypto";
import { Prisma, type PrismaClient, type Webhook } from "@msr-webhooks/db/client";
import { keyShapeError } from "@msr-webhooks/events/access";
import { formatGoTime } from "@msr-webhooks/events/go-time";
import { generateSecret } from "@msr-webhooks/events/signing";
import type { SubscriptionType } from "@msr-webhooks/events/types";
import type { Logger } from "winston";
import { ApiError, invalidParameter, isNotFound, noSuchAccount, noSuchRepository, noSuchWebhook, notAuthorized } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import type { SecretView } from "../schemas/webhook.schemas.js";
import type { AccessService } from "./access.service.js";
import type { WebhookAccessService } from "./webhook-access.service.js";
import { checkEndpoint, normalizeTlsCert, type WebhookEndpointRules } from "./webhook-endpoint.js";
import { createWithinQuota, type WebhookQuota } from "./webhook-quota.js";

/** How long the secret before a rotation keeps signing alongside the new one. */
export const SECRET_ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

export interface CreateWebhookInput {
  type: SubscriptionType;
  key?: string;
  endpoint: string;
  tlsCert?: string;
  skipTLSVerification?: boolean;
}

export interface UpdateWebhookInput {
  id: string;
  inactive?: boolean;
  tlsCert?: string;
  skipTLSVerification?: boolean;
  /** Whatever else the client sent (some send the whole object back); checked, never applied. */
  other?: Record<string, unknown>;
}

// A client that sends the whole object back may repeat these; changing them is refused.
const FIXED_FIELDS = ["type", "key", "endpoint"] as const;

/** The limits of WebhooksService (WEBHOOKS_PER_USER, WEBHOOKS_PER_KEY, WEBHOOK_LIST_PAGE_SIZE, WEBHOOK_LIST_MAX_BYTES). */
export interface WebhookLimits extends WebhookQuota {
  listPageSize: number;
  listMaxBytes: number;
}

export const DEFAULT_WEBHOOK_LIMITS: WebhookLimits = { perUser: 100, perKey: 50, listPageSize: 100, listMaxBytes: 8 * 1024 * 1024 };

export interface WebhookPageRequest {
  pageSize?: number;
  pageStart?: string;
}

export interface WebhookPage {
  webhooks: Webhook[];
  /** The first webhook of the next page; "" on the last. */
  nextPageStart: string;
}

// What a listed webhook costs beyond its key, endpoint and tlsCert: id, authorID, type, two dates, flags, JSON.
const WEBHOOK_JSON_OVERHEAD = 512;

/** An upper estimate of a webhook's bytes in a listing (JSON escapes counted). */
function listedBytes(row: Webhook): number {
  return WEBHOOK_JSON_OVERHEAD + Buffer.byteLength(JSON.stringify([row.key, row.endpoint, row.tlsCert]));
}

const ORDER = [{ createdAt: "asc" }, { id: "asc" }] satisfies Prisma.WebhookOrderByWithRelationInput[];

function isForeignKeyViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2003";
}

export class WebhooksService {
  constructor(
    private readonly db: PrismaClient,
    private readonly access: AccessService,
    private readonly webhookAccess: WebhookAccessService,
    private readonly log: Logger,
    private readonly endpoints: WebhookEndpointRules,
    private readonly limits: WebhookLimits = DEFAULT_WEBHOOK_LIMITS,
  ) {}

  async create(principal: Principal, input: CreateWebhookInput): Promise<Webhook> {
    const key = input.key ?? "";
    const shapeError = keyShapeError(input.type, key);
    if (shapeError) throw new ApiError("INVALID_WEBHOOK", shapeError, { field: "key" });
    const skipTLSVerification = input.skipTLSVerification ?? false;
    checkEndpoint(input.endpoint, skipTLSVerification);
    const tlsCert = normalizeTlsCert(input.tlsCert);
    this.endpoints.checkTlsCert(tlsCert);
    const scope = await this.webhookAccess.requireSubscribe(principal, input.type, key);
    await this.endpoints.screen(input.endpoint);

    let row: Webhook;
    try {
      row = await createWithinQuota(this.db, this.limits, scope, {
        id: randomBytes(32).toString("hex"),
        type: input.type,
        key,
        namespaceId: scope.namespaceId,
        repositoryId: scope.repositoryId,
        endpoint: input.endpoint,
        authorId: principal.id,
        createdAt: new Date(),
        tlsCert,
        skipTLSVerification,
        signingSecret: generateSecret(),
      });
    } catch (err) {
      // Deleted between the access check and the insert.
      if (isForeignKeyViolation(err)) throw scope.repositoryId === null ? noSuchAccount(key) : noSuchRepository(key);
      throw err;
    }
    this.log.info("webhook created", { webhookId: row.id, type: row.type, key: row.key, user: principal.name });
    return row;
  }

  /**
   * A normal user's own webhooks; a system admin's: everyone's. One page, oldest first, from the
   * webhook `page.pageStart` on; nextPageStart is the first webhook of the next page ("" on the last).
   * `type` is compared as is (MSR's filter is a plain string): a type no webhook has lists nothing.
   */
  list(principal: Principal, type: string | undefined, page: WebhookPageRequest = {}): Promise<WebhookPage> {
    return this.page({ ...(principal.isAdmin ? {} : { authorId: principal.id }), ...(type ? { type } : {}) }, page);
  }

  /** Everyone's webhooks bound to the repository, one page; the caller must administer it. */
  async listForRepository(principal: Principal, namespace: string, repository: string, page: WebhookPageRequest = {}): Promise<WebhookPage> {
    const repo = await this.access.requireRepositoryAdmin(principal, namespace, repository);
    return this.page({ repositoryId: repo.id }, page);
  }

  /**
   * Everyone's webhooks bound to the namespace or any repository in it, one page; the caller must
   * administer every repository in it (namespace admin, or a team with `admin` on the namespace).
   */
  async listForNamespace(principal: Principal, namespace: string, page: WebhookPageRequest = {}): Promise<WebhookPage> {
    const account = await this.access.requireNamespaceRepositoriesAdmin(principal, namespace);
    return this.page({ namespaceId: account.id }, page);
  }

  /**
   * One page of the listing `where`: at most pageSize (default WEBHOOK_LIST_PAGE_SIZE) webhooks, ended
   * early when the next would take the page past WEBHOOK_LIST_MAX_BYTES (it always holds one).
   */
  private async page(where: Prisma.WebhookWhereInput, page: WebhookPageRequest): Promise<WebhookPage> {
    const limit = page.pageSize ?? this.limits.listPageSize;
    let from: Prisma.WebhookWhereInput = {};
    if (page.pageStart !== undefined) {
      // Without its row the cursor would silently yield an empty page.
      const start = await this.db.webhook.findFirst({ where: { ...where, id: page.pageStart }, select: { createdAt: true } });
      if (!start) throw invalidParameter("pageStart", "pageStart is not a webhook of this listing (deleted meanwhile?): list again from the start");
      // Redundant with the cursor, but an index range: without it PostgreSQL walks the createdAt index
      // from the oldest webhook to the page (65 ms halfway through a million rows). The Date is cut
      // to the millisecond, so it never lies above the start row.
      from = { createdAt: { gte: start.createdAt } };
    }
    // Prisma's cursor compares (createdAt, id) with the cursor row's values inside PostgreSQL, to the microsecond.
    const rows = await this.db.webhook.findMany({
      where: { ...where, ...from },
      orderBy: ORDER,
      take: limit + 1,
      ...(page.pageStart !== undefined ? { cursor: { id: page.pageStart } } : {}),
    });
    let count = 0;
    let bytes = 0;
    while (count < Math.min(limit, rows.length)) {
      const size = listedBytes(rows[count] as Webhook);
      if (count > 0 && bytes + size > this.limits.listMaxBytes) break;
      bytes += size;
      count += 1;
    }
    return { webhooks: rows.slice(0, count), nextPageStart: rows[count]?.id ?? "" };
  }

  async update(principal: Principal, input: UpdateWebhookInput): Promise<Webhook> {
    const row = await this.requireManageable(principal, input.id);
    for (const field of FIXED_FIELDS) {
      const sent = input.other?.[field];
      if (sent !== undefined && sent !== row[field]) {
        throw new ApiError(
          "INVALID_WEBHOOK",
          `${field} cannot be changed (only inactive, tlsCert and skipTLSVerification can): create a new webhook instead`,
          { field },
        );
      }
    }
    const skipTLSVerification = input.skipTLSVerification ?? row.skipTLSVerification;
    checkEndpoint(row.endpoint, skipTLSVerification);
    const tlsCert = input.tlsCert === undefined ? row.tlsCert : normalizeTlsCert(input.tlsCert);
    if (input.tlsCert !== undefined) this.endpoints.checkTlsCert(tlsCert);

    const data: Prisma.WebhookUpdateInput = { tlsCert, skipTLSVerification };
    if (input.inactive !== undefined) {
      data.inactive = input.inactive;
      // Re-enabling starts clean: the auto-disable record and the failure streak are history.
      if (row.inactive && !input.inactive) {
        data.disabledReason = null;
        data.disabledAt = null;
        data.failingSince = null;
      }
    }
    try {
      const updated = await this.db.webhook.update({ where: { id: row.id }, data });
      this.log.info("webhook updated", {
        webhookId: row.id,
        user: principal.name,
        inactive: updated.inactive,
        skipTLSVerification: updated.skipTLSVerification,
        tlsCertChanged: updated.tlsCert !== row.tlsCert,
      });
      return updated;
    } catch (err) {
      if (isNotFound(err)) throw noSuchWebhook();
      throw err;
    }
  }

  async delete(principal: Principal, id: string): Promise<void> {
    const row = await this.requireManageable(principal, id);
    const { count } = await this.db.webhook.deleteMany({ where: { id: row.id } });
    if (count === 0) throw noSuchWebhook();
    this.log.info("webhook deleted", { webhookId: row.id, user: principal.name });
  }

  async secret(principal: Principal, id: string): Promise<SecretView> {
    return secretView(await this.requireManageable(principal, id), new Date());
  }

  /** A new secret; the current one keeps signing for SECRET_ROTATION_OVERLAP_MS. */
  async rotateSecret(principal: Principal, id: string): Promise<SecretView> {
    const row = await this.requireManageable(principal, id);
    const now = new Date();
    const until = new Date(now.getTime() + SECRET_ROTATION_OVERLAP_MS);
    // One statement, so two concurrent rotations cannot both demote the same secret.
    const rows = await this.db.$queryRaw<Pick<Webhook, "signingSecret" | "previousSecret" | "previousSecretUntil">[]>`
      UPDATE "Webhook"
         SET "previousSecret" = "signingSecret", "previousSecretUntil" = ${until}, "signingSecret" = ${generateSecret()}
       WHERE "id" = ${row.id}
   RETURNING "signingSecret", "previousSecret", "previousSecretUntil"`;
    const rotated = rows[0];
    if (!rotated) throw noSuchWebhook();
    this.log.info("webhook secret rotated", { webhookId: row.id, user: principal.name });
    return secretView(rotated, now);
  }

  /**
   * The webhook if the caller may manage it (update, delete, secret, and its delivery log);
   * NO_SUCH_WEBHOOK if they may not even see it, NOT_AUTHORIZED if they only authored it.
   */
  async requireManageable(principal: Principal, id: string): Promise<Webhook> {
    const row = await this.db.webhook.findUnique({ where: { id } });
    if (!row) throw noSuchWebhook();
    if (await this.webhookAccess.canManage(principal, row)) return row;
    if (row.authorId !== principal.id) throw noSuchWebhook();
    throw notAuthorized("you no longer administer what this webhook is subscribed to");
  }
}

function secretView(
  row: Pick<Webhook, "signingSecret" | "previousSecret" | "previousSecretUntil">,
  now: Date,
): SecretView {
  const view: SecretView = { secret: row.signingSecret };
  if (row.previousSecret && row.previousSecretUntil && row.previousSecretUntil > now) {
    view.previousSecret = row.previousSecret;
    view.previousSecretExpiresAt = formatGoTime(row.previousSecretUntil);
  }
  return view;
}
