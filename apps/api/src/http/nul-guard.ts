// PostgreSQL text cannot hold a NUL character: a path parameter or query value with one (`%00`)
// would fail inside the database as a 500. It is refused up front as what it is, bad input.
import { ApiError } from "../errors.js";

function hasNul(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (Array.isArray(value)) return value.some(hasNul);
  if (typeof value === "object" && value !== null) return Object.entries(value).some(([k, v]) => k.includes("\u0000") || hasNul(v));
  return false;
}

/** Throws 400 INVALID_PARAMETERS naming the first path parameter or query key that carries a NUL. */
export function rejectNul(values: Record<string, unknown>, where: "path" | "query"): void {
  for (const [name, value] of Object.entries(values)) {
    if (name.includes("\u0000") || hasNul(value)) {
      const field = name.split("\u0000").join("\\0");
      throw new ApiError("INVALID_PARAMETERS", `${where} parameter ${JSON.stringify(field)} contains a NUL character`, { field });
    }
  }
}
