// Loopback receivers and delivery clients that a test file opens, closed after each test.
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { createDeliveryClient, type DeliveryClient, type DeliveryClientOptions } from "../../src/http-client.js";

export interface Tracked {
  receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver>;
  client(options?: Partial<DeliveryClientOptions>): DeliveryClient;
}

/** Receivers and clients made through it are closed after each test of the calling file. */
export function tracked(userAgent: string): Tracked {
  const receivers: Receiver[] = [];
  const clients: DeliveryClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });
  return {
    async receiver(...args) {
      const r = await startReceiver(...args);
      receivers.push(r);
      return r;
    },
    client(options = {}) {
      const c = createDeliveryClient({ userAgent, ...options });
      clients.push(c);
      return c;
    },
  };
}
