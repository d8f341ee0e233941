// Times exactly as Go's time.Time marshals to JSON (RFC 3339 with trimmed nanoseconds), since
// MSR clients have only ever seen that form.

/** What Go prints for the zero time.Time (MSR's "never", e.g. `lastSuccessfulAt`). */
export const ZERO_GO_TIME = "0001-01-01T00:00:00Z";

function secondsPart(d: Date): string {
  const year = d.getUTCFullYear();
  // Go refuses to marshal years outside 0..9999; so do we rather than emit a non-RFC 3339 string.
  if (year < 0 || year > 9999) throw new RangeError(`year ${year} is outside 0..9999`);
  return d.toISOString().slice(0, 19);
}

/** RFC 3339 UTC with the fraction trimmed of trailing zeros; null/undefined give the zero time. */
export function formatGoTime(d: Date | null | undefined): string {
  if (d === null || d === undefined) return ZERO_GO_TIME;
  if (Number.isNaN(d.getTime())) throw new RangeError("invalid Date");
  const ms = d.getUTCMilliseconds();
  const fraction = ms === 0 ? "" : `.${String(ms).padStart(3, "0").replace(/0+$/, "")}`;
  return `${secondsPart(d)}${fraction}Z`;
}

/** Go's form of an instant given in microseconds since the epoch (what PostgreSQL keeps, and our clock gives). */
export function formatGoTimeMicros(epochMicros: bigint): string {
  const ms = epochMicros / 1000n - (epochMicros % 1000n < 0n ? 1n : 0n);
  const d = new Date(Number(ms));
  const micros = Number(((epochMicros % 1_000_000n) + 1_000_000n) % 1_000_000n);
  const fraction = micros === 0 ? "" : `.${String(micros).padStart(6, "0").replace(/0+$/, "")}`;
  return `${secondsPart(d)}${fraction}Z`;
}

// A wall clock with microseconds: Date.now() gives the wall time at an anchor, the monotonic
// hrtime the microseconds since. The anchor is taken as Date.now() ticks over, between two hrtime
// readings at most ANCHOR_WINDOW apart, so it is the start of that millisecond to within that: a
// thread preempted there (a loaded machine) would otherwise anchor late, every later reading would
// lag Date.now(), and clamped to it they would all be whole milliseconds. Re-anchored when the two
// part by more than a millisecond (the wall clock was stepped, or the anchor was late).
let anchorHr = 0n;
let anchorMicros = -1n;
const ANCHOR_WINDOW = 20_000n; // ns
const ANCHOR_TRIES = 10;

function anchor(): void {
  let best: { hr: bigint; wallMs: number; window: bigint } | undefined;
  for (let i = 0; i < ANCHOR_TRIES && (best === undefined || best.window > ANCHOR_WINDOW); i++) {
    const start = Date.now();
    let before = process.hrtime.bigint();
    let now = Date.now();
    while (now === start) {
      before = process.hrtime.bigint();
      now = Date.now();
    }
    const window = process.hrtime.bigint() - before;
    if (best === undefined || window < best.window) best = { hr: before, wallMs: now, window };
  }
  anchorHr = best?.hr ?? process.hrtime.bigint();
  anchorMicros = BigInt(best?.wallMs ?? Date.now()) * 1000n;
}

/** Now, in microseconds since the epoch. */
export function nowMicros(): bigint {
  if (anchorMicros < 0n) anchor();
  // Read before the monotonic clock: a true reading is never below it.
  const floor = BigInt(Date.now()) * 1000n;
  let micros = anchorMicros + (process.hrtime.bigint() - anchorHr) / 1000n;
  if (micros < floor - 1000n || micros > floor + 2000n) {
    anchor();
    micros = anchorMicros + (process.hrtime.bigint() - anchorHr) / 1000n;
  }
  // Never earlier than Date.now() (times we stamp with it agree to the millisecond).
  return micros < floor ? floor : micros;
}

/**
 * Now as Go's encoding/json prints a time.Time (RFC3339Nano: UTC, fraction trimmed of trailing
 * zeros), to the microsecond, as MSR's times are (PostgreSQL, where MSR and we keep them, holds
 * microseconds). The times we make ourselves use this; a producer's times pass through as given.
 */
export function nowGoTime(): string {
  return formatGoTimeMicros(nowMicros());
}

// RFC 3339 section 5.6 (a space may stand for the `T`, as the RFC's note allows).
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Rewrites an RFC 3339 string in Go's UTC form, keeping up to nanosecond precision (a Date
 * would cut it to milliseconds). Throws RangeError when `s` is not RFC 3339.
 */
export function normalizeGoTime(s: string): string {
  const m = RFC3339.exec(s);
  if (m === null) throw new RangeError(`not an RFC 3339 date-time: "${s}"`);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number, number, number, number, number, number,
  ];
  const leapYear = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = month === 2 && !leapYear ? 28 : (DAYS_IN_MONTH[month - 1] ?? 0);
  // Go's time.Parse refuses a leap second (:60), so a receiver parsing in Go would too.
  const offsetHours = Number(m[9] ?? 0);
  const offsetMins = Number(m[10] ?? 0);
  if (
    month < 1 || day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59 ||
    offsetHours > 23 || offsetMins > 59
  ) {
    throw new RangeError(`not an RFC 3339 date-time: "${s}"`);
  }
  const offsetMinutes = (m[8] === "-" ? -1 : 1) * (offsetHours * 60 + offsetMins);
  // setUTCFullYear, unlike Date.UTC, does not map years 0..99 to 1900..1999.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute - offsetMinutes, second, 0);
  // Go takes year 0, PostgreSQL (which stores every time we accept) has none: 1 BC is followed by 1 AD.
  if (d.getUTCFullYear() < 1) throw new RangeError(`not a date-time from year 1 on (in UTC): "${s}"`);
  const digits = (m[7] ?? "").slice(0, 9).replace(/0+$/, "");
  return `${secondsPart(d)}${digits === "" ? "" : `.${digits}`}Z`;
}

/** Whether `s` is an RFC 3339 date-time that normalizeGoTime accepts (the schemas' `date-time`). */
export function isGoTime(s: string): boolean {
  try {
    normalizeGoTime(s);
    return true;
  } catch {
    return false;
  }
}
