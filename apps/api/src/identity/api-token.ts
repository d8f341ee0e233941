// API token format: "<token id (uuid)>.<secret>" would leak structure into MSR clients
// that expect opaque tokens, so the token is one opaque string: 32 hex chars of id,
// then 43 base64url chars of secret. Only the id is stored in clear (the lookup key,
// shown as `hashedToken`); the secret is kept as a slow hash.
import { randomBytes } from "node:crypto";

const TOKEN_PATTERN = /^([0-9a-f]{32})([A-Za-z0-9_-]{43})$/;

export interface ParsedToken {
  id: string;
  secret: string;
}

export function hexToUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function newToken(): { id: string; secret: string; token: string } {
  const idHex = randomBytes(16).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  return { id: hexToUuid(idHex), secret, token: idHex + secret };
}

export function parseToken(value: string): ParsedToken | null {
  const [, idHex, secret] = TOKEN_PATTERN.exec(value) ?? [];
  if (!idHex || !secret) return null;
  return { id: hexToUuid(idHex), secret };
}
