// The delivery log's paging cursor: opaque to clients (base64url), it holds where the previous
// page ended (createdAt to the microsecond, and the id that breaks ties).
import { isGoTime } from "@msr-webhooks/events/go-time";
import { invalidParameter, type ApiError } from "../errors.js";
import type { PagePosition } from "../repositories/deliveries.repository.js";

const VERSION = "1";
const AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeCursor(position: PagePosition): string {
  return Buffer.from(`${VERSION}|${position.createdAt}|${position.id}`, "utf8").toString("base64url");
}

const badCursor = (): ApiError =>
  invalidParameter("cursor", "cursor is not one this API gave out: pass a page's nextCursor unchanged");

/** The position a cursor holds; INVALID_PARAMETERS when it is not one encodeCursor made. */
export function decodeCursor(cursor: string): PagePosition {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw badCursor();
  const [version, createdAt, id, ...rest] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (version !== VERSION || createdAt === undefined || id === undefined || rest.length > 0) throw badCursor();
  // Strict calendar check: PostgreSQL would refuse a 30 February with an error, not a 400.
  if (!AT.test(createdAt) || !isGoTime(createdAt) || !UUID.test(id)) throw badCursor();
  return { createdAt, id };
}
