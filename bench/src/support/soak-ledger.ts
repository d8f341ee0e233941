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
  /** The worker's final outcomes (succeeded, failed, skipped) over its whole life. */
  outcomes: Record<string, number>;
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

/** The stored deliveries by endpoint name and status. */
export async function storedByEndpoint(pool: pg.Pool, endpoints: readonly EndpointExpectation[]): Promise<Map<string, Record<string, number>>> {
  const { rows } = await pool.query<{ origin: string; status: string; n: string }>(
    `SELECT split_part(w.endpoint, '/hook/', 1) AS origin, d.status, count(*) AS n
       FROM "Delivery" AS d JOIN "Webhook" AS w ON w.id = d."webhookId" GROUP BY 1, 2`,
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

export async function judgeLedger(pool: pg.Pool, ledger: Ledger, endpoints: readonly EndpointExpectation[], wasDrained: boolean): Promise<Bar> {
  const stored = await storedByEndpoint(pool, endpoints);
  const ended = (ledger.outcomes.succeeded ?? 0) + (ledger.outcomes.failed ?? 0) + (ledger.outcomes.skipped ?? 0);
  let waiting = 0;
  let asBehaved = true;
  for (const [name, counts] of stored) {
    const e = endpoints.find((x) => x.name === name) ?? { ...HEALTHY, origin: "" };
    waiting += unfinishedOf(counts);
    for (const status of Object.keys(counts)) if (!e.expect.includes(status) && !(e.mayWait && UNFINISHED.has(status))) asBehaved = false;
  }
  const lost = ledger.expected - ended - waiting;
  return {
    bar: "no delivery lost: every delivery ended, or still waits at an endpoint whose circuit is open, and as its endpoint behaved",
    measured:
      `${wasDrained ? "drained" : "NOT drained"}; ${ledger.expected} expected = ${ended} ended ${JSON.stringify(ledger.outcomes)} + ${waiting} stored unfinished + ${lost} lost; ` +
      `receiver ${ledger.receivedHealthy} of ${ledger.expectedHealthy} healthy; stored rows: ${[...stored].map(([n, c]) => `${n} ${JSON.stringify(c)}`).join(", ") || "none"}`,
    pass: wasDrained && lost === 0 && asBehaved && ledger.receivedHealthy >= ledger.expectedHealthy,
  };
}
