// The console's sign-in session under /api/v0/session: sign in (sets the cookie), who am I
// (with the CSRF token the console echoes on writes), sign out (ends it everywhere).
import { route, type RouteSpec } from "../http/route-spec.js";
import { clearedSessionCookie, sessionCookie, sessionIdFrom } from "../http/session-cookie.js";
import { SessionSchema, SignInBody } from "../schemas/session.schemas.js";
import { sessionView } from "../services/session.service.js";
import type { Services } from "../services/services.js";

const TAGS = ["session"];

export function sessionRoutes(services: Services): RouteSpec[] {
  const { sessions } = services;
  return [
    route({
      method: "post",
      path: "/session",
      summary: "Sign in to the console with a password or an API token: sets an HttpOnly, SameSite=Strict session cookie",
      tags: TAGS,
      auth: "none",
      body: SignInBody,
      responses: { 201: { description: "Signed in; the body tells the CSRF token", schema: SessionSchema } },
      handler: async ({ body, clientAddress, secure }) => {
        const { id, session } = await sessions.signIn(clientAddress, body.username, body.password);
        return { status: 201, body: sessionView(session), headers: { "Set-Cookie": sessionCookie(id, sessions.ttlMs, secure), "Cache-Control": "no-store" } };
      },
    }),
    route({
      method: "get",
      path: "/session",
      summary: "The console's current session (401 NOT_AUTHENTICATED when there is none)",
      tags: TAGS,
      auth: "none",
      responses: { 200: { description: "The session", schema: SessionSchema } },
      handler: async ({ headers }) => ({
        status: 200,
        body: sessionView(await sessions.current(sessionIdFrom(headers.cookie))),
        headers: { "Cache-Control": "no-store" },
      }),
    }),
    route({
      method: "delete",
      path: "/session",
      summary: "Sign out: ends the session on every replica and clears the cookie",
      tags: TAGS,
      auth: "none",
      responses: { 204: { description: "Signed out" } },
      handler: async ({ headers, secure }) => {
        await sessions.signOut(sessionIdFrom(headers.cookie));
        return { status: 204, headers: { "Set-Cookie": clearedSessionCookie(secure) } };
      },
    }),
  ];
}
