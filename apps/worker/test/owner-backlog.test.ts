// Finding an owner's backlog past PARKED_WAITERS_MAX (src/isolation/owner-backlog.ts), with a
// stand-in executor that records each lookup and answers what the test says: a failed lookup
// survives and is looked again; lookups walk forward from the last row taken; one that finds
// nothing quiets that owner's next ones; one lookup at a time per thread. The statement itself
// runs against PostgreSQL in isolation-parking-overflow.test.ts.
import type { Queue } from "bullmq";
import type { Prisma } from "@msr-webhooks/db/client";
import type { DeliveryJobData } from "@msr-webhooks/queue/names";
import { OwnerBacklog } from "../src/isolation/owner-backlog.js";
import { OwnerSlots } from "../src/isolation/owner-slots.js";
import { Parking } from "../src/isolation/parking.js";
import type { Sql } from "../src/shared/sql.js";
import { captureLog } from "./support/capture-log.js";
import { waitUntil } from "./support/wait.js";

const ALICE = "00000000-0000-4000-8000-00000000a11c";
const BOB = "00000000-0000-4000-8000-000000000b0b";

interface Found {
  id: string;
  until: Date;
  endpoint: string;
}

/** Lookups answer from `answers` in turn (a function may hold or fail); a wake's UPDATE finds nothing parked any more. */
class StandIn implements Sql {
  readonly lookups: unknown[][] = [];
  constructor(private readonly answers: (() => Promise<Found[]>)[]) {}

  query<Row>(statement: Prisma.Sql): Promise<Row[]> {
    if (!statement.sql.includes('"nextAttemptAt" AS until')) return Promise.resolve([]);
    this.lookups.push(statement.values);
    const answer = this.answers[this.lookups.length - 1] ?? (() => Promise.resolve([]));
    return answer() as Promise<Row[]>;
  }

  execute(): Promise<number> {
    return Promise.resolve(0);
  }

  end(): Promise<void> {
    return Promise.resolve();
  }
}

function world(answers: (() => Promise<Found[]>)[]) {
  const sql = new StandIn(answers);
  const { log, lines } = captureLog("debug");
  const owners = new OwnerSlots(1, 5);
  const parking = new Parking({ firstWaitMs: 65_000, maxWaitMs: 3_600_000, maxWaiters: 5 }, sql, undefined as unknown as Queue<DeliveryJobData>, log);
  return { sql, lines, owners, backlog: new OwnerBacklog(sql, owners, parking, () => false, log) };
}

const rows = (at: number, ...ids: string[]): Found[] => ids.map((id, i) => ({ id, until: new Date(at + i), endpoint: "http://e.example" }));

describe("finding an owner's backlog past the waiters' bound", () => {
  it("survives a failed lookup, runs one lookup at a time, and looks again when asked next", async () => {
    let fail: (err: Error) => void = () => undefined;
    const held = new Promise<Found[]>((_resolve, reject) => {
      fail = reject;
    });
    const later = Date.now() + 60_000;
    const w = world([() => held, () => Promise.resolve(rows(later, "p1"))]);
    w.owners.parkedPastBound(ALICE, later + 60_000);
    w.owners.parkedPastBound(BOB, later + 60_000);

    w.backlog.find(ALICE);
    w.backlog.findAll(); // a lookup is under way on this thread: not a second one, for either owner
    expect(w.sql.lookups).toHaveLength(1);
    fail(new Error("connection terminated unexpectedly"));
    await waitUntil(() => w.lines.some((l) => l.message === "cannot look up an owner's parked attempts"), { what: "the failed lookup logged" });

    w.backlog.find(ALICE);
    await waitUntil(() => w.owners.inTransit(ALICE).length === 1, { what: "the found attempt woken for the free slot" });
    expect(w.sql.lookups).toHaveLength(2);
    expect(w.owners.inTransit(ALICE)).toEqual(["p1"]);
  });

  it("walks forward from the last row it took to the end, starts over, and quiets an owner whose lookup found nothing", async () => {
    const t0 = Date.now() + 60_000;
    const five = rows(t0, "p1", "p2", "p3", "p4", "p5");
    const w = world([() => Promise.resolve(five), () => Promise.resolve([]), () => Promise.resolve([])]);
    w.owners.parkedPastBound(ALICE, t0 + 60_000);
    const now = Date.now();
    w.backlog.find(ALICE, now);
    // As many as asked for (the waiters' bound, 5): one woken into the free slot, four waiting.
    await waitUntil(() => w.owners.inTransit(ALICE).length === 1, { what: "the first found woken" });
    expect(w.owners.waiting(ALICE)).toBe(4);
    expect(w.sql.lookups[0]).toContain("00000000-0000-0000-0000-000000000000");
    for (const id of ["p1", "p2", "p3", "p4", "p5"]) {
      w.owners.tryAcquire(ALICE, id);
      w.owners.release(ALICE);
    }
    // Nothing is looked for while one is in transit to the slot; once it has taken it and freed it, the next lookup runs.
    w.backlog.find(ALICE, now);
    expect(w.sql.lookups).toHaveLength(2);
    // It starts after the last row taken: (p5's end, p5).
    expect(w.sql.lookups[1]).toEqual(expect.arrayContaining([new Date(t0 + 4).toISOString(), "p5"]));
    await new Promise((r) => setImmediate(r));
    // It found nothing: the owner's next lookup waits a second, then starts over from the beginning.
    w.backlog.find(ALICE, now + 500);
    expect(w.sql.lookups).toHaveLength(2);
    w.backlog.find(ALICE, now + 1500);
    expect(w.sql.lookups).toHaveLength(3);
    expect(w.sql.lookups[2]).toContain("00000000-0000-0000-0000-000000000000");
  });
});
