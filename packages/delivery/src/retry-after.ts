// Reads a Retry-After header (delta-seconds or HTTP-date) into milliseconds from now.

export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Only an HTTP-date (IMF-fixdate or the obsolete forms, all naming a weekday or a month) is accepted:
  // Date.parse alone would also take "1.5" or "tomorrow-ish" strings as dates.
  if (!/[A-Za-z]{3}/.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}
