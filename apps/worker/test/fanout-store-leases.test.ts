// The fan-out store hands each leased row its write inserted to one fan-out only (src/fanout/fanout-store.ts):
// two fan-outs of one event in one batch of writes (a rerun beside ingest's own) must not both
// make its first attempt. A unit test of the hand-out: the repository answers as PostgreSQL would,
// one inserted row for the two requests that carried it.
import { FanoutStore } from "../src/fanout/fanout-store.js";
import type { DeliveryWrite, FanoutRepository, NewDelivery } from "../src/fanout/fanout.repository.js";
import type { LeasedDelivery } from "../src/attempts/delivery.repository.js";

it("gives a leased row its batch inserted once to the first request that carried it, not to a second one", async () => {
  const batches: number[] = [];
  let release: () => void = () => undefined;
  const firstHeld = new Promise<void>((resolve) => {
    release = resolve;
  });
  const repository = {
    async writeDeliveries(batch: readonly DeliveryWrite[]): Promise<Map<string, LeasedDelivery>> {
      batches.push(batch.length);
      if (batches.length === 1) await firstHeld;
      const inserted = batch.flatMap((b) => b.rows.filter((r) => r.leasedUntil !== undefined));
      return new Map(inserted.map((r) => [r.id, { id: r.id, webhookId: r.webhookId } as LeasedDelivery]));
    },
  } as unknown as FanoutRepository;
  const store = new FanoutStore(repository);
  const row = (id: string): NewDelivery => ({ id, webhookId: "w", status: "pending", reason: null, leasedUntil: new Date(0) });

  // The first write goes alone; the two made while it is in flight share the next batch.
  const first = store.write("e0", [row("d0")]);
  const ingest = store.write("e1", [row("d1")]);
  const rerun = store.write("e1", [row("d1")]);
  release();
  const ids = async (write: Promise<Map<string, LeasedDelivery>>): Promise<string[]> => [...(await write).keys()];
  expect(await ids(first)).toEqual(["d0"]);
  expect(await ids(ingest)).toEqual(["d1"]);
  expect(await ids(rerun)).toEqual([]);
  expect(batches).toEqual([1, 2]);
});
