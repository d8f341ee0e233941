// The console's session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's
// page sends it), Secure whenever the request came over HTTPS (directly or through a proxy
// TRUST_PROXY names), Path=/ and a Max-Age no longer than the session itself.
export const SESSION_COOKIE = "msrwh_session";

export function sessionIdFrom(cookieHeader: string | string[] | undefined): string | null {
  const header = Array.isArray(cookieHeader) ? cookieHeader.join("; ") : cookieHeader;
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return null;
}

export function sessionCookie(id: string, maxAgeMs: number, secure: boolean): string {
  const seconds = Math.max(0, Math.floor(maxAgeMs / 1000));
  return `${SESSION_COOKIE}=${id}; Path=/; Max-Age=${seconds}; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie("", 0, secure);
}
