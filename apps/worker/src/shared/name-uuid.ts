// Deterministic UUIDs from names, so a retried job writes the same row instead of a second one.
import { createHash } from "node:crypto";

/** A version-8 (custom) UUID from the SHA-256 of the parts. */
export function nameUuid(...parts: string[]): string {
  const b = createHash("sha256").update(parts.join("\u0000")).digest().subarray(0, 16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x80;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
