// The console's only way to the API: openapi-fetch typed by the paths generated from the API's
// own OpenAPI document. The session cookie travels by itself (same origin); every change carries
// the session's CSRF token, held in memory only (never in localStorage).
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "../../generated/api";
import { ConsoleError, errorText } from "./errors";

let csrfToken: string | null = null;
let onSignedOut: () => void = () => undefined;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function whenSignedOut(listener: () => void): void {
  onSignedOut = listener;
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

const session: Middleware = {
  onRequest({ request }) {
    request.headers.set("Accept", "application/json");
    if (!SAFE.has(request.method) && csrfToken !== null) request.headers.set("X-CSRF-Token", csrfToken);
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && !new URL(request.url).pathname.endsWith("/session")) onSignedOut();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: "same-origin" });
api.use(session);

/** The data of an answer, or a ConsoleError whose message says in words what went wrong. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch {
    throw new ConsoleError(0, "The API cannot be reached: check your connection and try again.");
  }
  if (!result.response.ok) throw new ConsoleError(result.response.status, errorText(result.response.status, result.error));
  return result.data as T;
}
