// Thrown by the delivery processor after a failed attempt it wants retried: carries the delay it
// already computed and stored, so BullMQ's backoff waits exactly that long.

export class RetryLaterError extends Error {
  override readonly name = "RetryLaterError";

  constructor(
    readonly delayMs: number,
    message: string,
  ) {
    super(message);
  }
}

export function isRetryLaterError(err: unknown): err is RetryLaterError {
  return err instanceof RetryLaterError || (err instanceof Error && err.name === "RetryLaterError" && "delayMs" in err);
}
