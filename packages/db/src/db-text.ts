// PostgreSQL text and jsonb cannot hold NUL characters (nor, in jsonb, lone UTF-16 surrogates). The
// one rule for both apps: what someone else wrote (a receiver's answer, a producer's event) is
// stored with them replaced by U+FFFD, so the record is written instead of failing; what names a
// row (a path parameter, a query value) is refused instead (containsNul: the API's 400).

/** `s` with NULs and lone surrogates replaced by U+FFFD. */
export function pgText(s: string): string {
  const t = s.includes("\u0000") ? s.replaceAll("\u0000", "\uFFFD") : s;
  return t.isWellFormed() ? t : t.toWellFormed();
}

/** A JSON-shaped value with pgText applied to every key and string in it. */
export function pgValue(value: unknown): unknown {
  if (typeof value === "string") return pgText(value);
  if (Array.isArray(value)) return value.map(pgValue);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [pgText(k), pgValue(v)]));
  }
  return value;
}

/** Whether a string, or any key or string inside an array or object, holds a NUL character. */
export function containsNul(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (Array.isArray(value)) return value.some(containsNul);
  if (typeof value === "object" && value !== null) return Object.entries(value).some(([k, v]) => k.includes("\u0000") || containsNul(v));
  return false;
}

// JSON.stringify writes a lone surrogate as an escape (\ud800), a paired one as the character.
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** JSON text for a jsonb parameter, NULs and lone surrogates in keys and strings replaced. */
export function pgJson(value: unknown): string {
  const text = JSON.stringify(value ?? null) ?? "null";
  // The common case costs one scan of the text; only text that needs it is rebuilt.
  if (!text.includes("\\u0000") && !SURROGATE_ESCAPE.test(text)) return text;
  // Re-read the JSON text, so that Dates and other toJSON values are already plain data.
  return JSON.stringify(pgValue(JSON.parse(text))) ?? "null";
}
