// The attempts' side of InlineAttempts (LeasedAttempts) as a recorder, for the in-memory tests of
// first attempts made without a job: it records what was attempted and what was handed to a job, and
// frees the owner's slot when a test ends an attempt, as the delivery processor does when its
// endpoint has answered.
import type { LeasedAttempts } from "../../src/attempts/delivery.processor.js";
import type { OwnerSlots } from "../../src/isolation/owner-slots.js";

export interface LeasedRecorder extends LeasedAttempts {
  /** Deliveries attempted, in order. */
  attempted: string[];
  /** Deliveries handed to their job, in order. */
  handed: string[];
  /** Ends the attempt of `id` (its endpoint answered): frees its owner's slot. */
  finish(id: string): void;
}

export function leasedRecorder(owners: OwnerSlots): LeasedRecorder {
  const ends = new Map<string, () => void>();
  const r: LeasedRecorder = {
    attempted: [],
    handed: [],
    attemptLeased: (due, owner) => {
      r.attempted.push(due.id);
      return new Promise<void>((resolve) => {
        ends.set(due.id, () => {
          if (owner !== undefined) owners.release(owner);
          resolve();
        });
      });
    },
    handToJob: (id) => {
      r.handed.push(id);
      return Promise.resolve();
    },
    finish: (id) => ends.get(id)?.(),
  };
  return r;
}
