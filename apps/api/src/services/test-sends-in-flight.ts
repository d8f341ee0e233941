// The API's cap on webhook test sends in flight at once, across all users. Each send holds a socket
// and, with its own tlsCert, a TLS context (about 60 KB) for at most the attempt's timeout; the
// per-user rate limit alone bounds one user, not many users together. Over the cap a send is refused
// at once, before anything is built or sent: 503 SERVICE_UNAVAILABLE in MSR's error format, with
// Retry-After. Per API process (each replica bounds its own memory).
import type { DeliveryClient } from "@msr-webhooks/delivery/http-client";
import { ApiError } from "../errors.js";

/** Seconds a refused caller is told to wait: a send ends within the attempt's timeout, most far sooner. */
const RETRY_AFTER_SECONDS = 1;

/** `client` with at most `max` sends in flight; 0 turns the cap off. */
export function capTestSendsInFlight(client: DeliveryClient, max: number): DeliveryClient {
  if (max === 0) return client;
  let inFlight = 0;
  return {
    async send(target, request) {
      if (inFlight >= max) {
        throw new ApiError(
          "SERVICE_UNAVAILABLE",
          `too many webhook test sends in flight on this server (at most ${max}); try again in ${RETRY_AFTER_SECONDS} s`,
          { retryAfterSeconds: RETRY_AFTER_SECONDS },
          { "Retry-After": String(RETRY_AFTER_SECONDS) },
        );
      }
      inFlight += 1;
      try {
        return await client.send(target, request);
      } finally {
        inFlight -= 1;
      }
    },
    tlsContextCount: () => client.tlsContextCount(),
    tlsContexts: () => client.tlsContexts(),
    close: () => client.close(),
  };
}
