// What one delivery attempt produced: the record the worker stores and the input to classifyOutcome.

export type ErrorKind =
  | "timeout"
  | "connection_refused"
  | "connection_reset"
  | "dns"
  | "tls"
  | "blocked"
  | "redirect"
  | "http"
  | "invalid_url"
  | "other";

export interface AttemptResult {
  /** True only for a 2xx whose body was read (or cut at the cap) without error. */
  ok: boolean;
  /** Null when no response arrived. */
  statusCode: number | null;
  durationMs: number;
  /** Only the headers worth keeping: see SELECTED_RESPONSE_HEADERS. */
  responseHeaders: Record<string, string>;
  /** UTF-8 text of at most maxResponseBytes of the body. */
  responseBody: string;
  errorKind: ErrorKind | null;
  errorMessage: string | null;
  /** From a Retry-After header (seconds or HTTP date), unclamped; null when absent or unreadable. */
  retryAfterMs: number | null;
}

export const SELECTED_RESPONSE_HEADERS = [
  "content-type",
  "retry-after",
  "content-length",
  "date",
  "server",
  "location",
] as const;
