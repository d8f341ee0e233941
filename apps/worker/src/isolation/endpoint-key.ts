// Which endpoint an attempt counts against: the URL's origin (scheme, host, port), so every webhook
// pointing at one server shares its breaker and in-flight cap. Redis keys carry a hash of the
// origin (short, and free of characters Redis or a cluster hash tag would misread).
import { createHash } from "node:crypto";
import { LruCache } from "../shared/lru-cache.js";

export interface EndpointKeys {
  /** The origin, for logs: never the path or query, which may carry a receiver's token. */
  origin: string;
  inFlight: string;
  breaker: string;
  /** Attempts parked until one of the endpoint's slots frees (gate-scripts.ts). */
  waiters: string;
}

export function originOf(endpoint: string): string {
  try {
    const origin = new URL(endpoint).origin;
    // Only special schemes have an origin; anything else still needs a stable name.
    return origin === "null" ? endpoint : origin;
  } catch {
    return endpoint;
  }
}

export class EndpointKeyring {
  private readonly cache: LruCache<string, EndpointKeys>;

  constructor(
    private readonly prefix: string,
    capacity = 10_000,
  ) {
    this.cache = new LruCache(capacity);
  }

  keysFor(endpoint: string): EndpointKeys {
    let keys = this.cache.get(endpoint);
    if (keys === undefined) {
      const origin = originOf(endpoint);
      const id = createHash("sha256").update(origin).digest("hex").slice(0, 24);
      // One hash tag for the endpoint's keys: a script may only touch keys of one cluster slot.
      const base = `${this.prefix}:endpoint:{${id}}`;
      keys = { origin, inFlight: `${base}:in-flight`, breaker: `${base}:breaker`, waiters: `${base}:waiters` };
      this.cache.set(endpoint, keys);
    }
    return keys;
  }
}
