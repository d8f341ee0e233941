// API tokens, as DTR 2.7 serves them: created for oneself (or, by a system admin, for another user,
// or as a producer token), listed and read without their secret, relabelled, deactivated and
// activated again, deleted. Only the owner or a system admin may see or change a token; to anyone
// else it does not exist (404), so token ids cannot be probed. Only a scrypt hash of the secret is
// stored; the token itself is shown once, in the creation response. A user holds at most
// API_TOKENS_PER_USER tokens, checked under a lock on the owner so parallel creates cannot pass it.
import type { Account, ApiToken, PrismaClient } from "@msr-webhooks/db/client";
import { ApiError, invalidParameter, noSuchAccount, noSuchToken, notAuthorized } from "../errors.js";
import { newToken } from "../identity/api-token.js";
import type { AuthService } from "../identity/auth.service.js";
import type { Principal } from "../identity/principal.js";
import { hashSecret } from "../identity/secret-hash.js";
import {
  CREATOR_UA_MAX,
  type ApiTokenView,
  type CreateApiTokenInput,
  type ListApiTokensInput,
  type NewApiTokenView,
  type UpdateApiTokenInput,
} from "../schemas/api-token.schemas.js";
import { presentApiToken } from "../presenters/api-token.presenter.js";

export interface ApiTokenLimits {
  /** API_TOKENS_PER_USER: tokens one user may hold (active or not). */
  perUser: number;
}

export interface ApiTokenPage {
  tokens: ApiTokenView[];
  /** The hashedToken the next page starts at; "" on the last page. */
  nextPageStart: string;
  /** The owner's number of tokens, when asked for (count=true). */
  total?: number;
}

// pg_advisory_xact_lock(int4, int4) space of token creates, apart from the webhook quota's.
const OWNER_LOCK_CLASS = 0x57480003;
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 15_000 };

export class ApiTokensService {
  constructor(
    private readonly db: PrismaClient,
    private readonly auth: AuthService,
    private readonly limits: ApiTokenLimits,
  ) {}

  /** `username` may come in the body or, as DTR clients send it, in the query string. */
  async create(
    principal: Principal,
    input: CreateApiTokenInput,
    queryUsername: string | undefined,
    userAgent: string | undefined,
  ): Promise<NewApiTokenView> {
    if (input.username !== undefined && queryUsername !== undefined && input.username !== queryUsername) {
      throw invalidParameter("username", "the username in the query and in the body differ");
    }
    const role = input.role ?? "user";
    if (role === "producer" && !principal.isAdmin) throw notAuthorized("only a system admin may create producer tokens");
    const owner = await this.owner(principal, input.username ?? queryUsername);
    const t = newToken();
    const secretHash = await hashSecret(t.secret);
    const row = await this.db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${OWNER_LOCK_CLASS}::int4, hashtext(${owner.id}))`;
      const held = await tx.apiToken.count({ where: { accountId: owner.id } });
      if (held >= this.limits.perUser) {
        throw new ApiError(
          "INVALID_PARAMETERS",
          `${owner.name} already has ${held} API tokens, the most one user may have (${this.limits.perUser}): delete some first`,
          { limit: "API_TOKENS_PER_USER", max: this.limits.perUser },
        );
      }
      return tx.apiToken.create({
        data: {
          id: t.id,
          accountId: owner.id,
          label: input.tokenLabel ?? "",
          role,
          secretHash,
          creatorUa: (userAgent ?? "").split("\u0000").join("").slice(0, CREATOR_UA_MAX),
        },
      });
    }, TRANSACTION_OPTIONS);
    return { ...presentApiToken(row), token: t.token };
  }

  /** The owner's tokens, oldest first, one page at a time (DTR's pageStart / pageSize / count). */
  async list(principal: Principal, query: ListApiTokensInput): Promise<ApiTokenPage> {
    const owner = await this.owner(principal, query.username);
    const pageSize = query.pageSize ?? 10;
    let start: { createdAt: Date; id: string } | undefined;
    if (query.pageStart !== undefined) {
      const row = await this.db.apiToken.findFirst({ where: { id: query.pageStart, accountId: owner.id } });
      if (!row) throw invalidParameter("pageStart", "pageStart is not one of these tokens (deleted meanwhile?): list again from the start");
      start = row;
    }
    const rows = await this.db.apiToken.findMany({
      where: {
        accountId: owner.id,
        ...(start
          ? { OR: [{ createdAt: { gt: start.createdAt } }, { createdAt: start.createdAt, id: { gte: start.id } }] }
          : {}),
      },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: pageSize + 1,
    });
    const page: ApiTokenPage = {
      tokens: rows.slice(0, pageSize).map(presentApiToken),
      nextPageStart: rows[pageSize]?.id ?? "",
    };
    if (query.count === true) page.total = await this.db.apiToken.count({ where: { accountId: owner.id } });
    return page;
  }

  async get(principal: Principal, id: string): Promise<ApiTokenView> {
    return presentApiToken(await this.visible(principal, id));
  }

  /** Relabels and/or (de)activates; a deactivated token is refused at once on every replica. */
  async update(principal: Principal, id: string, input: UpdateApiTokenInput): Promise<ApiTokenView> {
    const token = await this.visible(principal, id);
    const data: { label?: string; isActive?: boolean } = {};
    if (input.tokenLabel !== undefined) data.label = input.tokenLabel;
    if (input.isActive !== undefined) data.isActive = input.isActive;
    if (Object.keys(data).length === 0) return presentApiToken(token);
    const { count } = await this.db.apiToken.updateMany({ where: { id }, data });
    if (count === 0) throw noSuchToken();
    // Deactivation must hold now, not when a cached sign-in expires.
    if (input.isActive === false && token.isActive) await this.auth.invalidate();
    const row = await this.db.apiToken.findUnique({ where: { id } });
    if (!row) throw noSuchToken();
    return presentApiToken(row);
  }

  async remove(principal: Principal, id: string): Promise<void> {
    await this.visible(principal, id);
    const removed = await this.db.apiToken.deleteMany({ where: { id } });
    if (removed.count === 0) throw noSuchToken();
    // A deleted token must stop working now, not when its cached check expires.
    await this.auth.invalidate();
  }

  /** The token if the caller owns it or is a system admin; otherwise "not found", like a missing one. */
  private async visible(principal: Principal, id: string): Promise<ApiToken> {
    const token = await this.db.apiToken.findUnique({ where: { id } });
    if (!token || (token.accountId !== principal.id && !principal.isAdmin)) throw noSuchToken();
    return token;
  }

  private async owner(principal: Principal, username: string | undefined): Promise<Account> {
    if (username === undefined || username === principal.name) {
      const self = await this.db.account.findUnique({ where: { id: principal.id } });
      if (!self) throw noSuchAccount(principal.name);
      return self;
    }
    if (!principal.isAdmin) throw notAuthorized("only a system admin may manage another user's tokens");
    const account = await this.db.account.findUnique({ where: { name: username } });
    if (!account) throw noSuchAccount(username);
    if (account.isOrg) throw invalidParameter("username", `${username} is an organization: tokens belong to users`);
    return account;
  }
}
