// Was any delivery lost? After the soak drains: every delivery the published events made (events x
// the subscriptions of their repository) either ended (the worker's counter of final outcomes, which
// outlives the rows retention purges) or is still stored unfinished at an endpoint whose open
// breaker lets one probe through per BREAKER_OPEN; the stored rows ended as their endpoint behaved;
// the receiver got every healthy delivery.
import type pg from "pg";
import { sleep } from "./clock.js";
import type { Bar } from "./soak-bars.js";

export interface Ledger {
  /** Deliveries the published events make, warm-up included. */
  expected: number;
  /** Of those, to the receiver process's healthy origins. */
  expectedHealthy: number;
  /** The receiver's arrivals over the same events. */
  receivedHealthy: number;
}

/** The ledger's two counts, read together. */
export interface Tally {
  /** The worker's final outcomes (succeeded, failed, skipped) over its whole life. */
  outcomes: Record<string, number>;
  /** The stored deliveries by endpoint name and status. */
  stored: Map<string, Record<string, number>>;
}

export interface EndpointExpectation {
  name: string;
  origin: string;
  /** The final statuses its deliveries may have. */
  expect: readonly string[];
  /** Its deliveries may still be unfinished at the end (an always-failing endpoint's circuit stays open). */
  mayWait: boolean;
}

const UNFINISHED = new Set(["pending", "retrying"]);
const HEALTHY: Omit<EndpointExpectation, "origin"> = { name: "healthy", expect: ["succeeded"], mayWait: false };

/** The stored deliveries by endpoint name and status; only the unfinished ones (an index scan, not millions of rows) with `unfinishedOnly`. */
export async function storedByEndpoint(pool: pg.Pool, endpoints: readonly EndpointExpectation[], unfinishedOnly = false): Promise<Map<string, Record<string, number>>> {
  const { rows } = await pool.query<{ origin: string; status: string; n: string }>(
    `SELECT split_part(w.endpoint, '/hook/', 1) AS origin, d.status, count(*) AS n
       FROM "Delivery" AS d JOIN "Webhook" AS w ON w.id = d."webhookId"
      ${unfinishedOnly ? `WHERE d.status IN (${[...UNFINISHED].map((s) => `'${s}'`).join(", ")})` : ""} GROUP BY 1, 2`,
  );
  const tally = new Map<string, Record<string, number>>();
  for (const row of rows) {
    const name = (endpoints.find((e) => e.origin === row.origin) ?? HEALTHY).name;
    const counts = tally.get(name) ?? {};
    counts[row.status] = (counts[row.status] ?? 0) + Number(row.n);
    tally.set(name, counts);
  }
  return tally;
}

const unfinishedOf = (counts: Record<string, number>): number => Object.entries(counts).reduce((n, [s, c]) => n + (UNFINISHED.has(s) ? c : 0), 0);

/** Drained: no event waits for fan-out and only endpoints that may wait still have unfinished deliveries. */
export async function drained(pool: pg.Pool, endpoints: readonly EndpointExpectation[]): Promise<boolean> {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "Event" WHERE status = 'pending'`);
  if (Number(rows[0]?.n) > 0) return false;
  for (const [name, counts] of await storedByEndpoint(pool, endpoints)) {
    if (!(endpoints.find((e) => e.name === name)?.mayWait ?? false) && unfinishedOf(counts) > 0) return false;
  }
  return true;
}

/** Waits until `done()` holds, checking every 2 s; false after timeoutMs. */
export async function drain(done: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await done()) return true;
    await sleep(2000);
  }
  return done();
}

const FINAL = ["succeeded", "failed", "skipped"] as const;
const finalOf = (o: Record<string, number>): Record<string, number> => Object.fromEntries(FINAL.map((k) => [k, o[k] ?? 0]));
const sameCounts = (a: Record<string, number>, b: Record<string, number>): boolean => FINAL.every((k) => a[k] === b[k]);

/**
 * The worker's outcomes and the stored rows as of one moment. After the drain the 500 endpoint's
 * deliveries still end, about one a second, as their open circuit outlives OPEN_CIRCUIT_MAX_AGE:
 * one that ended between the two reads counted as neither ended nor unfinished, and the ledger
 * called it lost (the twelfth run: 1 of 2,057,363). So the unfinished rows are read between two
 * reads of the outcomes, again until those agree (no delivery ended meanwhile), at most `tries`
 * times. They are counted through the status index: counted with every row (4.4 million after
 * the eighteenth run), the count outlasted every gap between two endings, and the ledger could
 * only bound the lost ones. The finished rows, which only say how each endpoint's deliveries
 * ended, are counted once before. When the reads never agree, `outcomesBefore` is the read before
 * the rows, so a delivery that ended while they were read counts in `outcomes` and not in
 * `outcomesBefore` (judgeLedger).
 */
export async function settledTally(
  pool: pg.Pool,
  endpoints: readonly EndpointExpectation[],
  outcomesNow: () => Promise<Record<string, number>>,
  tries = 20,
): Promise<SettledTally> {
  const all = await storedByEndpoint(pool, endpoints);
  let before = finalOf(await outcomesNow());
  for (let i = 1; ; i++) {
    const unfinished = await storedByEndpoint(pool, endpoints, true);
    const after = finalOf(await outcomesNow());
    const settled = sameCounts(before, after);
    if (settled || i >= tries) return { outcomes: after, outcomesBefore: before, stored: withUnfinished(all, unfinished), settled };
    before = after;
    await sleep(100);
  }
}

/** The finished counts of `all` with the unfinished ones of the later `unfinished` read. */
export function withUnfinished(
  all: ReadonlyMap<string, Record<string, number>>,
  unfinished: ReadonlyMap<string, Record<string, number>>,
): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const [name, counts] of all) out.set(name, Object.fromEntries(Object.entries(counts).filter(([status]) => !UNFINISHED.has(status))));
  for (const [name, counts] of unfinished) out.set(name, { ...(out.get(name) ?? {}), ...counts });
  return out;
}

export interface SettledTally extends Tally {
  /** The outcomes read before the rows: equal to `outcomes` when settled. */
  outcomesBefore: Record<string, number>;
  settled: boolean;
}

const endedOf = (o: Record<string, number>): number => (o.succeeded ?? 0) + (o.failed ?? 0) + (o.skipped ?? 0);

/**
 * A delivery is lost when it neither ended nor is stored unfinished. The rows are one snapshot, taken
 * between the two reads of the outcomes, so the deliveries ended at that moment are between the two
 * reads' and the lost ones between `lost` (after) and `atMost` (before). None is lost only when
 * `atMost` is 0: a count below 0 would be a delivery counted twice, and says the ledger is wrong.
 */
export function judgeLedger(ledger: Ledger, tally: SettledTally, wasDrained: boolean, endpoints: readonly EndpointExpectation[]): Bar {
  const { outcomes, stored } = tally;
  const ended = endedOf(outcomes);
  let waiting = 0;
  let asBehaved = true;
  for (const [name, counts] of stored) {
    const e = endpoints.find((x) => x.name === name) ?? { ...HEALTHY, origin: "" };
    waiting += unfinishedOf(counts);
    for (const status of Object.keys(counts)) if (!e.expect.includes(status) && !(e.mayWait && UNFINISHED.has(status))) asBehaved = false;
  }
  const lost = ledger.expected - ended - waiting;
  const atMost = ledger.expected - endedOf(tally.outcomesBefore) - waiting;
  return {
    bar: "no delivery lost: every delivery ended, or still waits at an endpoint whose circuit is open, and as its endpoint behaved",
    measured:
      `${wasDrained ? "drained" : "NOT drained"}${tally.settled ? "" : ` (outcomes still moving while the rows were counted: ${atMost - lost} ended meanwhile; lost at most ${atMost})`}; ` +
      `${ledger.expected} expected = ${ended} ended ${JSON.stringify(outcomes)} + ${waiting} stored unfinished + ${lost} lost; ` +
      `receiver ${ledger.receivedHealthy} of ${ledger.expectedHealthy} healthy; stored rows: ${[...stored].map(([n, c]) => `${n} ${JSON.stringify(c)}`).join(", ") || "none"}`,
    pass: wasDrained && atMost === 0 && asBehaved && ledger.receivedHealthy >= ledger.expectedHealthy,
  };
}
