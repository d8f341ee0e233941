// The one check of an `Authorization: Bearer <token>` header against a configured token (the
// /metrics token, the registry's notification token). Compared as SHA-256 digests: constant time
// whatever the lengths.
import { createHash, timingSafeEqual } from "node:crypto";

const digest = (s: string): Buffer => createHash("sha256").update(s).digest();

/** Whether `header` is `Bearer <token>` (scheme in any case) for exactly `token`. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "")?.[1];
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}
