// PostgreSQL text and jsonb cannot hold NUL characters or lone UTF-16 surrogates; what a receiver
// or producer sends may. They are stored as U+FFFD, so the record is written instead of failing.

export function pgText(s: string): string {
  const t = s.includes("\u0000") ? s.replaceAll("\u0000", "\uFFFD") : s;
  return t.isWellFormed() ? t : t.toWellFormed();
}

function pgSafe(value: unknown): unknown {
  if (typeof value === "string") return pgText(value);
  if (Array.isArray(value)) return value.map(pgSafe);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [pgText(k), pgSafe(v)]));
  }
  return value;
}

// JSON.stringify writes a lone surrogate as an escape (\ud800), a paired one as the character.
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** JSON text for a jsonb parameter, NULs and lone surrogates in keys and strings replaced. */
export function pgJson(value: unknown): string {
  const text = JSON.stringify(value ?? null) ?? "null";
  // The common case costs one scan of the text; only text that needs it is rebuilt.
  if (!text.includes("\\u0000") && !SURROGATE_ESCAPE.test(text)) return text;
  // Re-read the JSON text, so that Dates and other toJSON values are already plain data.
  return JSON.stringify(pgSafe(JSON.parse(text))) ?? "null";
}
