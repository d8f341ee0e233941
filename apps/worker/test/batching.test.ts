// The pure pieces behind batched writes: the group-commit Batcher and the per-webhook health fold.
import { aggregateHealth } from "../src/attempts/webhook-health.js";
import { Batcher } from "../src/shared/batcher.js";

// The jest object of an ESM test file.
const jestApi = (import.meta as unknown as { jest: typeof jest }).jest;

afterEach(() => {
  jestApi.useRealTimers();
});

function gate(): { promise: Promise<boolean>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<boolean>((r) => (open = () => r(true)));
  return { promise, open };
}

describe("Batcher", () => {
  it("runs the first request at once and gathers the ones that arrive meanwhile", async () => {
    const calls: number[][] = [];
    const opened = gate();
    const batcher = new Batcher<number, number>(
      async (xs) => {
        calls.push(xs);
        if (calls.length === 1) await opened.promise;
        return xs.map((x) => x * 10);
      },
      { maxBatch: 3, maxInFlight: 1 },
    );
    const results = [1, 2, 3, 4, 5, 6].map((x) => batcher.submit(x));
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([[1]]);
    opened.open();
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(calls).toEqual([[1], [2, 3, 4], [5, 6]]);
  });

  it("replays a failed batch item by item, so only the bad item fails", async () => {
    const calls: string[][] = [];
    const opened = gate();
    const batcher = new Batcher<string, string>(
      async (xs) => {
        calls.push(xs);
        if (xs[0] === "first") await opened.promise;
        if (xs.includes("bad")) throw new Error(`cannot store ${xs.join(",")}`);
        return xs.map((x) => x.toUpperCase());
      },
      { maxBatch: 10, maxInFlight: 1 },
    );
    const first = batcher.submit("first");
    const rest = ["a", "bad", "b"].map((x) => batcher.submit(x).then((v) => ({ ok: v }), (e: Error) => ({ error: e.message })));
    opened.open();
    expect(await first).toBe("FIRST");
    expect(await Promise.all(rest)).toEqual([{ ok: "A" }, { error: "cannot store bad" }, { ok: "B" }]);
    expect(calls).toEqual([["first"], ["a", "bad", "b"], ["a"], ["bad"], ["b"]]);
  });

  it("rejects a lone failing item with its error", async () => {
    const batcher = new Batcher<number, number>(() => Promise.reject(new Error("down")), { maxBatch: 5, maxInFlight: 2 });
    await expect(batcher.submit(1)).rejects.toThrow("down");
  });

  it("lets a short batch wait up to lingerMs for company", async () => {
    // Frozen timers: the linger ends when the test moves the clock, never because this machine was slow.
    jestApi.useFakeTimers();
    const calls: number[][] = [];
    const batcher = new Batcher<number, number>(async (xs) => (calls.push(xs), xs), { maxBatch: 10, maxInFlight: 1, lingerMs: 30 });
    const a = batcher.submit(1);
    jestApi.advanceTimersByTime(5);
    const b = batcher.submit(2);
    jestApi.advanceTimersByTime(24);
    expect(calls).toEqual([]);
    jestApi.advanceTimersByTime(1);
    expect(await Promise.all([a, b])).toEqual([1, 2]);
    expect(calls).toEqual([[1, 2]]);
  });
});

describe("aggregateHealth", () => {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

  it("folds a batch into one row per webhook, sorted by id", () => {
    const rows = aggregateHealth([
      { webhookId: "b", at: at(1), health: { kind: "failure" } },
      { webhookId: "a", at: at(2), health: { kind: "success" } },
      { webhookId: "a", at: at(1), health: { kind: "success" } },
      { webhookId: "b", at: at(3), health: { kind: "failure" } },
    ]);
    expect(rows).toEqual([
      { webhookId: "a", successAt: at(2), failureAt: null, goneReason: null },
      { webhookId: "b", successAt: null, failureAt: at(1), goneReason: null },
    ]);
  });

  it("keeps only failures after the last success as the start of a failing streak", () => {
    const [row] = aggregateHealth([
      { webhookId: "w", at: at(1), health: { kind: "failure" } },
      { webhookId: "w", at: at(2), health: { kind: "success" } },
      { webhookId: "w", at: at(4), health: { kind: "failure" } },
      { webhookId: "w", at: at(3), health: { kind: "failure" } },
    ]);
    expect(row).toEqual({ webhookId: "w", successAt: at(2), failureAt: at(3), goneReason: null });
    const [healed] = aggregateHealth([
      { webhookId: "w", at: at(1), health: { kind: "failure" } },
      { webhookId: "w", at: at(2), health: { kind: "success" } },
    ]);
    expect(healed).toEqual({ webhookId: "w", successAt: at(2), failureAt: null, goneReason: null });
  });

  it("carries a 410 as the reason to disable, and as a failure", () => {
    const [row] = aggregateHealth([
      { webhookId: "w", at: at(5), health: { kind: "gone", reason: "endpoint answered 410 Gone" } },
      { webhookId: "w", at: at(1), health: { kind: "success" } },
    ]);
    expect(row).toEqual({ webhookId: "w", successAt: at(1), failureAt: at(5), goneReason: "endpoint answered 410 Gone" });
  });
});
