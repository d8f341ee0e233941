// API tokens: created for oneself (or, by a system admin, for another user, or as a producer
// token), listed without their secret, revoked by their owner or an admin. Only a scrypt hash of
// the secret is stored; the token itself is shown once, in the creation response.
import type { Account, PrismaClient } from "@msr-webhooks/db/client";
import { invalidParameter, noSuchAccount, noSuchToken, notAuthorized } from "../errors.js";
import { newToken } from "../identity/api-token.js";
import type { AuthService } from "../identity/auth.service.js";
import type { Principal } from "../identity/principal.js";
import { hashSecret } from "../identity/secret-hash.js";
import {
  tokenView,
  type ApiTokenView,
  type CreateApiTokenInput,
  type NewApiTokenView,
} from "../schemas/api-token.schemas.js";

export class ApiTokensService {
  constructor(
    private readonly db: PrismaClient,
    private readonly auth: AuthService,
  ) {}

  /** `username` may come in the body or, as MSR clients send it, in the query string. */
  async create(principal: Principal, input: CreateApiTokenInput, queryUsername?: string): Promise<NewApiTokenView> {
    if (input.username !== undefined && queryUsername !== undefined && input.username !== queryUsername) {
      throw invalidParameter("username", "the username in the query and in the body differ");
    }
    const role = input.role ?? "user";
    if (role === "producer" && !principal.isAdmin) throw notAuthorized("only a system admin may create producer tokens");
    const owner = await this.owner(principal, input.username ?? queryUsername);
    const t = newToken();
    const row = await this.db.apiToken.create({
      data: { id: t.id, accountId: owner.id, label: input.tokenLabel ?? "", role, secretHash: await hashSecret(t.secret) },
    });
    return { ...tokenView(row, owner.name), token: t.token };
  }

  async list(principal: Principal, username?: string): Promise<{ apiTokens: ApiTokenView[] }> {
    const owner = await this.owner(principal, username);
    const rows = await this.db.apiToken.findMany({ where: { accountId: owner.id }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
    return { apiTokens: rows.map((r) => tokenView(r, owner.name)) };
  }

  /** Someone else's token is "not found" to a non-admin, so token ids cannot be probed. */
  async revoke(principal: Principal, id: string): Promise<void> {
    const token = await this.db.apiToken.findUnique({ where: { id }, select: { accountId: true } });
    if (!token || (token.accountId !== principal.id && !principal.isAdmin)) throw noSuchToken();
    const removed = await this.db.apiToken.deleteMany({ where: { id } });
    if (removed.count === 0) throw noSuchToken();
    // A revoked token must stop working now, not when its cached check expires.
    await this.auth.invalidate();
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
