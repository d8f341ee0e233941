// How the console writes times, rates and durations.
export function when(value: string | null | undefined): string {
  if (!value || value.startsWith("0001-01-01")) return "never";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}

export function percent(rate: number | null): string {
  if (rate === null) return "no attempts";
  return `${(Math.round(rate * 1000) / 10).toFixed(1)}%`;
}

export function duration(ms: number | null): string {
  if (ms === null) return "n/a";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** Subscription key as people say it: a repository, a namespace, or everything. */
export function scopeOf(key: string): string {
  if (key === "") return "all repositories (global)";
  return key.includes("/") ? `repository ${key}` : `namespace ${key}`;
}

/** A datetime-local input's value (local time, minutes) as RFC 3339 for the API. */
export function localInputToRfc3339(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
