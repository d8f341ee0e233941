// PostgreSQL text cannot hold a NUL character: a path parameter or query value with one (`%00`)
// would fail inside the database as a 500. It is refused up front as what it is, bad input.
import { containsNul } from "@msr-webhooks/db/db-text";
import { ApiError } from "../errors.js";

/** Throws 400 INVALID_PARAMETERS naming the first path parameter or query key that carries a NUL. */
export function rejectNul(values: Record<string, unknown>, where: "path" | "query"): void {
  for (const [name, value] of Object.entries(values)) {
    if (name.includes("\u0000") || containsNul(value)) {
      const field = name.split("\u0000").join("\\0");
      throw new ApiError("INVALID_PARAMETERS", `${where} parameter ${JSON.stringify(field)} contains a NUL character`, { field });
    }
  }
}
