// The HTTP client of the bench's own senders (baseline, plain queue): the delivery package's
// (got with keep-alive), with the worker's timeouts and an address policy that allows loopback.
import { createAddressPolicy } from "@msr-webhooks/delivery/address-policy";
import { createDeliveryClient, type DeliveryClient } from "@msr-webhooks/delivery/http-client";

export const BENCH_USER_AGENT = "msr-webhooks/bench";

export function benchDeliveryClient(): DeliveryClient {
  return createDeliveryClient({
    userAgent: BENCH_USER_AGENT,
    connectTimeoutMs: 5000,
    totalTimeoutMs: 15_000,
    addressPolicy: createAddressPolicy({ allow: ["127.0.0.0/8"] }),
  });
}
