// Finding an owner's backlog past PARKED_WAITERS_MAX (src/isolation/owner-backlog.ts) when the
// lookup fails: nothing thrown into the release that asked for it, one lookup per owner at a time,
// and the next ask (the refill tick's) looks again. The statement itself runs against PostgreSQL in
// isolation-parking-overflow.test.ts; here a stand-in executor fails the first lookup on purpose.
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

class FailingOnce implements Sql {
  lookups = 0;
  private release: (() => void) | undefined;
  /** The first lookup hangs until fail() rejects it. */
  private readonly first = new Promise<never>((_resolve, reject) => {
    this.release = () => reject(new Error("connection terminated unexpectedly"));
  });

  fail(): void {
    this.release?.();
  }

  query<Row>(statement: Prisma.Sql): Promise<Row[]> {
    if (!statement.sql.includes("SELECT d.id")) return Promise.resolve([]); // a wake's UPDATE: nothing parked any more
    this.lookups += 1;
    if (this.lookups === 1) return this.first;
    const until = new Date(Date.now() + 60_000);
    return Promise.resolve([{ id: "p1", until, endpoint: "http://e.example" }] as Row[]);
  }

  execute(): Promise<number> {
    return Promise.resolve(0);
  }

  end(): Promise<void> {
    return Promise.resolve();
  }
}

describe("finding an owner's backlog past the waiters' bound", () => {
  it("survives a failed lookup, looks once at a time, and looks again when asked next", async () => {
    const sql = new FailingOnce();
    const { log, lines } = captureLog("debug");
    const owners = new OwnerSlots(1, 5);
    const parking = new Parking({ firstWaitMs: 65_000, maxWaitMs: 3_600_000, maxWaiters: 5 }, sql, undefined as unknown as Queue<DeliveryJobData>, log);
    const backlog = new OwnerBacklog(sql, owners, parking, () => false, log);
    owners.parkedPastBound(ALICE, Date.now() + 120_000);

    backlog.find(ALICE);
    backlog.findAll(); // the lookup is under way: not a second one
    expect(sql.lookups).toBe(1);
    sql.fail();
    await waitUntil(() => lines.some((l) => l.message === "cannot look up an owner's parked attempts"), { what: "the failed lookup logged" });
    expect(owners.waiting(ALICE)).toBe(0);

    backlog.findAll();
    await waitUntil(() => owners.inTransit(ALICE).length === 1, { what: "the found attempt woken for the free slot" });
    expect(sql.lookups).toBe(2);
    expect(owners.inTransit(ALICE)).toEqual(["p1"]);
    // One found, fewer than asked for: the backlog is all found.
    expect(owners.queue(ALICE).lastPastBound).toBeUndefined();
  });
});
