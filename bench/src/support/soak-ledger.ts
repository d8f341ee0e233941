// Did every accepted event's deliveries end as their endpoint behaved? After the soak drains: no
// event or delivery left unfinished, the worker's final outcomes (its counter, which outlives the
// rows retention purged) add up to every delivery the published events made, the rows still stored
// ended as their endpoint behaved, and the receiver got every healthy delivery.
import type pg from "pg";
import { sleep } from "./clock.js";
import type { Bar } from "./soak-bars.js";

export interface Ledger {
  /** Deliveries the published events make (events x the subscriptions of their repository), warm-up included. */
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
  expect: readonly string[];
}

/** Deliveries and events not yet in a final state, and jobs still queued for ingest or fan-out. */
export async function unfinished(pool: pg.Pool): Promise<{ events: number; deliveries: number }> {
  const { rows } = await pool.query<{ events: string; deliveries: string }>(
    `SELECT (SELECT count(*) FROM "Event" WHERE status = 'pending') AS events,
            (SELECT count(*) FROM "Delivery" WHERE status NOT IN ('succeeded', 'failed', 'skipped')) AS deliveries`,
  );
  return { events: Number(rows[0]?.events), deliveries: Number(rows[0]?.deliveries) };
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

/** The stored deliveries by endpoint and status, judged against what each endpoint did. */
async function storedByEndpoint(pool: pg.Pool, endpoints: readonly EndpointExpectation[]): Promise<{ text: string; pass: boolean }> {
  const { rows } = await pool.query<{ origin: string; status: string; n: string }>(
    `SELECT split_part(w.endpoint, '/hook/', 1) AS origin, d.status, count(*) AS n
       FROM "Delivery" AS d JOIN "Webhook" AS w ON w.id = d."webhookId" GROUP BY 1, 2`,
  );
  const tally = new Map<string, Record<string, number>>();
  let pass = true;
  for (const row of rows) {
    const endpoint = endpoints.find((e) => e.origin === row.origin) ?? { name: "healthy", expect: ["succeeded"] };
    const counts = tally.get(endpoint.name) ?? {};
    counts[row.status] = (counts[row.status] ?? 0) + Number(row.n);
    tally.set(endpoint.name, counts);
    if (!endpoint.expect.includes(row.status)) pass = false;
  }
  return { text: [...tally].map(([name, counts]) => `${name} ${JSON.stringify(counts)}`).join(", "), pass };
}

export async function judgeLedger(pool: pg.Pool, ledger: Ledger, endpoints: readonly EndpointExpectation[], drained: boolean): Promise<Bar> {
  const left = await unfinished(pool);
  const ended = (ledger.outcomes.succeeded ?? 0) + (ledger.outcomes.failed ?? 0) + (ledger.outcomes.skipped ?? 0);
  const stored = await storedByEndpoint(pool, endpoints);
  const pass =
    drained && left.events === 0 && left.deliveries === 0 && ended === ledger.expected && stored.pass && ledger.receivedHealthy >= ledger.expectedHealthy;
  return {
    bar: "no delivery lost: every delivery ended, and as its endpoint behaved",
    measured:
      `${drained ? "drained" : "NOT drained"}; unfinished: ${left.events} events, ${left.deliveries} deliveries; ` +
      `worker outcomes ${JSON.stringify(ledger.outcomes)} = ${ended} of ${ledger.expected} expected (${ledger.expected - ended} never ended); ` +
      `receiver ${ledger.receivedHealthy} of ${ledger.expectedHealthy} healthy; stored rows: ${stored.text}`,
    pass,
  };
}
