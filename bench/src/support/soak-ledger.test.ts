// The soak's "no delivery lost" judgement (soak-ledger.ts), without services: the rows are one
// snapshot between two reads of the worker's outcomes, and a delivery that ended between those reads
// is neither lost nor counted twice.
import assert from "node:assert/strict";
import { test } from "node:test";
import { judgeLedger, withUnfinished, type EndpointExpectation, type SettledTally } from "./soak-ledger.js";

const endpoints: EndpointExpectation[] = [{ name: "failing", origin: "http://127.0.0.1:1", expect: ["failed"], mayWait: true }];
const ledger = { expected: 1000, expectedHealthy: 900, receivedHealthy: 900 };

function tally(before: number, after: number, unfinished: number): SettledTally {
  return {
    outcomesBefore: { succeeded: 900, failed: before },
    outcomes: { succeeded: 900, failed: after },
    stored: new Map<string, Record<string, number>>([
      ["healthy", { succeeded: 900 }],
      ["failing", { failed: after, pending: unfinished }],
    ]),
    settled: before === after,
  };
}

test("settled: every delivery ended or is stored unfinished", () => {
  assert.equal(judgeLedger(ledger, tally(90, 90, 10), true, endpoints).pass, true);
});

test("settled: one delivery neither ended nor stored is lost", () => {
  const bar = judgeLedger(ledger, tally(90, 90, 9), true, endpoints);
  assert.equal(bar.pass, false);
  assert.match(bar.measured, /\+ 1 lost/);
});

test("one delivery ended while the rows were read, and they saw it unfinished: not lost, not counted twice", () => {
  // The snapshot has 10 unfinished; the outcomes moved from 90 to 91 around it.
  const bar = judgeLedger(ledger, tally(90, 91, 10), true, endpoints);
  assert.equal(bar.pass, true);
  assert.match(bar.measured, /1 ended meanwhile; lost at most 0/);
});

test("a delivery counted twice even by the earlier read is a wrong ledger", () => {
  assert.equal(judgeLedger(ledger, tally(91, 91, 10), true, endpoints).pass, false);
});

test("moving outcomes cannot hide a lost delivery", () => {
  // 9 unfinished, and 90 -> 91: at most one lost, maybe none; not proven none.
  assert.equal(judgeLedger(ledger, tally(90, 91, 9), true, endpoints).pass, false);
});

test("the unfinished rows come from the later read between the outcomes, the finished ones from the full count", () => {
  const all = new Map<string, Record<string, number>>([
    ["healthy", { succeeded: 900 }],
    ["failing", { failed: 80, pending: 12, retrying: 1 }],
  ]);
  // Two of the failing endpoint's deliveries ended between the full count and the settled read.
  const unfinished = new Map([["failing", { pending: 10, retrying: 1 }]]);
  assert.deepEqual(
    [...withUnfinished(all, unfinished)],
    [
      ["healthy", { succeeded: 900 }],
      ["failing", { failed: 80, pending: 10, retrying: 1 }],
    ],
  );
  // An endpoint whose last unfinished delivery ended meanwhile has none left.
  assert.deepEqual(withUnfinished(all, new Map()).get("failing"), { failed: 80 });
});
