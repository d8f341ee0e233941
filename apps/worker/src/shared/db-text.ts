// PostgreSQL text and jsonb cannot hold NUL characters; what a receiver or producer sends may.

export function pgText(s: string): string {
  return s.includes("\u0000") ? s.replaceAll("\u0000", "\uFFFD") : s;
}

/** JSON text for a jsonb parameter, NULs in keys and strings replaced. */
export function pgJson(value: unknown): string {
  const text = JSON.stringify(value ?? null, (_key, v: unknown) => (typeof v === "string" ? pgText(v) : v)) ?? "null";
  // Object keys do not go through the replacer's value path.
  return text.includes("\\u0000") ? text.replaceAll("\\u0000", "\\ufffd") : text;
}
