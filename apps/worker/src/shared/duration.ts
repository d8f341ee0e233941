// Human durations in settings ("100ms", "5s", "30m", "2h", "5d"; a bare number is milliseconds).

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** The regular expression a single duration must match (used in the config schema too). */
export const DURATION_SOURCE = "\\d+(?:\\.\\d+)?(?:ms|s|m|h|d)?";

const DURATION = new RegExp(`^(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)?$`);

/** Milliseconds of `text`, or null when it is not a duration. */
export function parseDuration(text: string): number | null {
  const m = DURATION.exec(text.trim());
  if (m === null) return null;
  const ms = Number(m[1]) * (UNIT_MS[m[2] ?? "ms"] ?? 1);
  return Number.isFinite(ms) ? Math.round(ms) : null;
}

/** Milliseconds of each comma-separated duration, or null when one of them is not a duration. */
export function parseDurationList(text: string): number[] | null {
  const parts = text.split(",").map((p) => p.trim());
  const values = parts.map(parseDuration);
  return values.some((v) => v === null) ? null : (values as number[]);
}
