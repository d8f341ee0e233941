// The worker's in-memory caches are the `lru-cache` package, always bounded (`max`): no cache here
// grows with the number of endpoints or events it has seen.
import { LRUCache } from "lru-cache";

/** An LRUCache bounded to `capacity` entries: the short form for callers that bound by count alone. */
export class LruCache<K extends NonNullable<unknown>, V extends NonNullable<unknown>> extends LRUCache<K, V> {
  constructor(capacity: number) {
    super({ max: capacity });
  }
}
