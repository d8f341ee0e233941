// Human durations in settings ("100ms", "5s", "30m", "2h", "5d"; a bare number is milliseconds).
// The `ms` package converts; the syntax accepted is narrower than its own (no spaces, no words such
// as "5 weeks", no sign), so a setting means the same whichever parser reads it next.
import { Type } from "@sinclair/typebox";
import ms from "ms";
import { configError } from "./env.js";

/** The regular expression a single duration must match (used in the config schema too). */
export const DURATION_SOURCE = "\\d+(?:\\.\\d+)?(?:ms|s|m|h|d)?";

const DURATION = new RegExp(`^${DURATION_SOURCE}$`);

/** Milliseconds of `text`, or null when it is not a duration. */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) return null;
  const value = ms(trimmed as ms.StringValue);
  return Number.isFinite(value) ? Math.round(value) : null;
}

/** Milliseconds of each comma-separated duration, or null when one of them is not a duration. */
export function parseDurationList(text: string): number[] | null {
  const parts = text.split(",").map((p) => p.trim());
  const values = parts.map(parseDuration);
  return values.some((v) => v === null) ? null : (values as number[]);
}

/** A setting holding one duration, checked by the schema, with its default. */
export const Duration = (defaultValue: string) => Type.String({ pattern: `^${DURATION_SOURCE}$`, default: defaultValue });

/** Milliseconds of the duration setting `name`; a ConfigError when it is none or under `minimumMs`. */
export function durationMs(name: string, value: string, minimumMs = 0): number {
  const milliseconds = parseDuration(value);
  if (milliseconds === null) throw configError(`${name}: "${value}" is not a duration`);
  if (milliseconds < minimumMs) throw configError(`${name}: must be at least ${minimumMs} ms`);
  return milliseconds;
}
