// Turns whatever the API (or the network) answered into one sentence a person can act on.
export interface ApiErrorBody {
  errors?: { code?: string; message?: string }[];
}

const STATUS_TEXT: Record<number, string> = {
  401: "You are not signed in, or your session has ended.",
  403: "You are not allowed to do this.",
  404: "Not found.",
  429: "Too many requests: wait a little and try again.",
  503: "The service is busy: try again in a few seconds.",
};

export function errorText(status: number, body: unknown): string {
  const errors = typeof body === "object" && body !== null ? (body as ApiErrorBody).errors : undefined;
  const messages = Array.isArray(errors)
    ? errors.map((e) => (typeof e?.message === "string" && e.message.length > 0 ? e.message : e?.code)).filter((m): m is string => typeof m === "string")
    : [];
  if (messages.length > 0) return messages.map((m) => m.charAt(0).toUpperCase() + m.slice(1)).join(" ");
  return STATUS_TEXT[status] ?? `The server answered ${status}.`;
}

export class ConsoleError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
