// The console's sign-in: checks a username with a password or API token through the same sign-in
// gate as HTTP Basic, opens a session (http/session-store.ts), answers it, and ends it.
import { ApiError } from "../errors.js";
import type { AuthService } from "../identity/auth.service.js";
import type { AuthFailureLimiter } from "../http/auth-failure-limit.js";
import { signInWith } from "../http/authenticate.js";
import { sessionEnded } from "../http/session-auth.js";
import type { Session, SessionStore } from "../http/session-store.js";

export interface SessionView {
  username: string;
  isAdmin: boolean;
  csrfToken: string;
  expiresAt: string;
}

export const sessionView = (session: Session): SessionView => ({
  username: session.principal.name,
  isAdmin: session.principal.isAdmin,
  csrfToken: session.csrfToken,
  expiresAt: new Date(session.expiresAt).toISOString(),
});

export class SessionService {
  constructor(
    private readonly auth: AuthService,
    private readonly limiter: AuthFailureLimiter,
    private readonly store: SessionStore,
  ) {}

  get ttlMs(): number {
    return this.store.ttlMs;
  }

  async signIn(client: string, username: string, secret: string): Promise<{ id: string; session: Session }> {
    const principal = await signInWith(this.auth, this.limiter, client, username, secret);
    if (!principal) throw sessionEnded("invalid username, password or token");
    if (principal.tokenRole === "producer") throw new ApiError("NOT_AUTHORIZED", "a producer token may only publish events");
    const epoch = (await this.limiter.epoch()) ?? "0";
    try {
      return await this.store.create(principal, epoch);
    } catch {
      throw new ApiError("SERVICE_UNAVAILABLE", "sessions are unavailable right now; try again", undefined, { "Retry-After": "5" });
    }
  }

  async current(id: string | null): Promise<Session> {
    const session = id ? await this.store.get(id) : null;
    if (!session) throw sessionEnded("not signed in");
    return session;
  }

  async signOut(id: string | null): Promise<void> {
    if (id) await this.store.delete(id);
  }
}
