// First attempts the fan-out wrote leased and queued in process, past the bounds of those it makes at
// once (inline-attempts.ts): per owner, in the order they were written, each with the time by which
// it must start. Owners take turns (round robin): an owner that started attempts goes to the back.
// Bounded by the caller in bytes (bytesOf: the row's strings that can be large, plus a fixed
// allowance for the rest).
import type { LeasedDelivery } from "./delivery.repository.js";

export interface QueuedAttempt {
  due: LeasedDelivery;
  owner: string;
  /** Started after this (ms since the epoch), the attempt could outlast its lease: handed to its job instead. */
  startBy: number;
}

/** Bytes counted for a queued attempt besides its large strings: ids, dates, names, the object itself. */
export const QUEUED_ATTEMPT_OVERHEAD_BYTES = 1024;

/** The memory a queued attempt is counted for: its event's contents, its certificate and secrets, and the overhead. */
export function bytesOf(due: LeasedDelivery): number {
  return (
    QUEUED_ATTEMPT_OVERHEAD_BYTES +
    2 * (due.contentsJson.length + due.tlsCert.length + due.signingSecret.length + (due.previousSecret?.length ?? 0) + due.endpoint.length)
  );
}

interface OwnerQueue {
  items: QueuedAttempt[];
  /** Index of the oldest item still queued (items before it were taken). */
  head: number;
}

export class QueuedFirstAttempts {
  private readonly byOwner = new Map<string, OwnerQueue>();
  private count = 0;
  private bytesHeld = 0;

  /** Attempts queued, all owners. */
  get size(): number {
    return this.count;
  }

  /** Bytes counted for the queued attempts (bytesOf). */
  get bytes(): number {
    return this.bytesHeld;
  }

  /** Attempts of `owner` queued. */
  countOf(owner: string): number {
    const q = this.byOwner.get(owner);
    return q === undefined ? 0 : q.items.length - q.head;
  }

  push(item: QueuedAttempt): void {
    const q = this.byOwner.get(item.owner) ?? { items: [], head: 0 };
    q.items.push(item);
    this.byOwner.set(item.owner, q);
    this.count += 1;
    this.bytesHeld += bytesOf(item.due);
  }

  /** The owners with queued attempts, in their turn. */
  owners(): string[] {
    return [...this.byOwner.keys()];
  }

  /** The oldest queued attempt of `owner`. */
  peek(owner: string): QueuedAttempt | undefined {
    const q = this.byOwner.get(owner);
    return q?.items[q.head];
  }

  /** Takes the oldest queued attempt of `owner`. */
  shift(owner: string): QueuedAttempt | undefined {
    const q = this.byOwner.get(owner);
    const item = q?.items[q.head];
    if (q === undefined || item === undefined) return undefined;
    q.head += 1;
    this.count -= 1;
    this.bytesHeld -= bytesOf(item.due);
    if (q.head === q.items.length) this.byOwner.delete(owner);
    else if (q.head >= 1024 && q.head * 2 >= q.items.length) {
      q.items = q.items.slice(q.head);
      q.head = 0;
    }
    return item;
  }

  /** Moves `owner` behind the others (it has just had its turn). */
  rotate(owner: string): void {
    const q = this.byOwner.get(owner);
    if (q === undefined) return;
    this.byOwner.delete(owner);
    this.byOwner.set(owner, q);
  }

  /** Takes every queued attempt, oldest first per owner. */
  takeAll(): QueuedAttempt[] {
    const all = [...this.byOwner.values()].flatMap((q) => q.items.slice(q.head));
    this.byOwner.clear();
    this.count = 0;
    this.bytesHeld = 0;
    return all;
  }
}
