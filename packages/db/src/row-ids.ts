// Ids of the rows written per event, delivery and attempt: UUIDs that begin with their time (the
// first 48 bits are Unix milliseconds, as in RFC 9562's version 7), so each insert lands at the
// right-hand edge of its primary-key index (and of Delivery's (eventId, webhookId) index) instead of
// on a random page of it. Random ids touch a different index page per row: after every checkpoint
// each of those pages is written to the WAL whole, and the indexes' working set is all of them, so
// the cost per row grows with the table (measured in docs/benchmarks.md, "Soak").
//
// Two kinds: newRowId() is a version-7 UUID (time, then random bits); namedRowId() is a version-8
// (custom) UUID with the same time prefix and the rest from the SHA-256 of its name parts, so a job
// retried after a crash writes the same row instead of a second one.
import { createHash, randomBytes } from "node:crypto";

/** The 16 bytes of a UUID whose first 6 are `ms` (big-endian) and the rest from `tail` (at least 10 bytes), with its version and variant set. */
function timed(ms: number, tail: Buffer, version: 7 | 8): string {
  const b = Buffer.alloc(16);
  b.writeUIntBE(Math.max(0, Math.min(Math.floor(ms), 2 ** 48 - 1)), 0, 6);
  tail.copy(b, 6, 0, 10);
  b[6] = ((b[6] ?? 0) & 0x0f) | (version << 4);
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A fresh row id (UUID version 7) for a row made at `ms`. */
export function newRowId(ms: number = Date.now()): string {
  return timed(ms, randomBytes(10), 7);
}

/** The same row id for the same `ms` and name parts (UUID version 8: `ms`, then the SHA-256 of the parts). */
export function namedRowId(ms: number, ...parts: string[]): string {
  return timed(ms, createHash("sha256").update(parts.join("\u0000")).digest(), 8);
}

/** The milliseconds a time-ordered row id begins with (of any other UUID, its first 48 bits all the same). */
export function rowIdTime(id: string): number {
  return Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16) || 0;
}
