// Text that is not text: a lone UTF-16 surrogate (JSON may carry "\ud800") has no UTF-8 form, so
// PostgreSQL refuses it and a receiver in another language may not parse it. One check, used by
// the API for every JSON body and by event validation for every path an event comes in by.

/** The path (`contents.tag`, `names[2]`) of the first key or string that is not well-formed; null if none. */
export function firstIllFormed(value: unknown, path = ""): string | null {
  if (typeof value === "string") return value.isWellFormed() ? null : path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = firstIllFormed(value[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (typeof value === "object" && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      const at = path === "" ? key : `${path}.${key}`;
      if (!key.isWellFormed()) return at.toWellFormed();
      const found = firstIllFormed(v, at);
      if (found !== null) return found;
    }
  }
  return null;
}

export const ILL_FORMED_MESSAGE = "holds a lone UTF-16 surrogate (an escape such as \\ud800 with no pair), which is not text";
