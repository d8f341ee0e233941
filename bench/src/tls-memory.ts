// Benchmark 10: the API's memory under POST /api/v0/webhooks/test calls that each bring a certificate
// never seen before. An ordinary user makes --calls test calls (default 1,000), --parallel at a time,
// each with its own self-signed certificate (made before the API starts) plus the CA of a TLS receiver
// on loopback, so every handshake succeeds and its connection could be kept alive (the worst case;
// --handshake fail sends the certificate alone, and every handshake fails; --certs same and --certs
// none are the controls: the receiver's CA alone every time, and no tlsCert at all). Reported: the API's
// resident memory (VmRSS) after a warm-up, right after the calls, and after --pause-ms more, and the
// TLS connections the receiver still had open then. The acceptance bar of issue 14 is the growth
// after the pause staying within 50 MB. That the API keeps no TLS context per certificate is asserted
// by apps/api/test/security-tls-ssrf-certs.test.ts; this measures memory.
// Run: pnpm --filter @msr-webhooks/bench tls-memory [--calls 1000] [--repeats 3] [--env KEY=VALUE]
import { getTestPki } from "@msr-webhooks/testing/tls";
import { ADMIN_PASSWORD, ADMIN_USER, startApiProcess, type ApiProcess } from "./support/api-process.js";
import { parseArgs } from "./support/args.js";
import { runBench } from "./support/cleanup.js";
import { nowMs, sleep } from "./support/clock.js";
import { distinctSelfSignedCerts } from "./support/distinct-certs.js";
import { basicAuth, expectStatus, timedRequest } from "./support/http.js";
import { listenLoopback } from "./support/loopback-server.js";
import { startScriptFlags } from "./support/paths.js";
import { memoryOf } from "./support/proc-stats.js";
import { startReport } from "./support/run-header.js";
import { log, saveResults, table } from "./support/report.js";
import { median, round } from "./support/stats.js";
import { createWorld } from "./support/world.js";

const USER = "certuser";
const USER_PASSWORD = "cert-user-bench-password";
/** Calls with the receiver's own CA before the first reading: lazily built things are in place. */
const WARMUP_CALLS = 20;

interface Repeat {
  repeat: number;
  calls: number;
  ok: number;
  seconds: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  rssAfterPauseMb: number;
  growthMb: number;
  growthAfterPauseMb: number;
  heapBefore: { total: number; used: number };
  heapAfterPause: { total: number; used: number };
  peakRssMb: number;
  connectionsAccepted: number;
  connectionsOpenAfterPause: number;
}

/** The API's V8 heap in MB, reserved and in use, from the default process metrics of GET /metrics. */
async function heapOf(api: ApiProcess): Promise<{ total: number; used: number }> {
  const res = await expectStatus(200, "GET", `${api.url}/metrics`);
  const mb = (name: string): number => {
    const bytes = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(res.body)?.[1];
    return bytes === undefined ? Number.NaN : Number(bytes) / 1048576;
  };
  return { total: mb("nodejs_heap_size_total_bytes"), used: mb("nodejs_heap_size_used_bytes") };
}

function rssOf(api: ApiProcess): number {
  const m = memoryOf(api.pid);
  if (!m) throw new Error(`api ${api.pid} is gone; log ${api.logFile}`);
  return m.rssMb;
}

runBench("tls-memory", async () => {
  const args = parseArgs();
  const repeats = args.number("repeats", 3);
  const calls = args.number("calls", 1000);
  const parallel = args.number("parallel", 8);
  const pauseMs = args.number("pause-ms", 10_000);
  const handshake = args.string("handshake", "ok");
  if (handshake !== "ok" && handshake !== "fail") throw new Error(`--handshake wants ok or fail, got "${handshake}"`);
  // The controls: --certs same, every call with the receiver's CA alone; --certs none, no tlsCert and
  // skipTLSVerification, so no TLS context is built (what is left is the calls' own cost).
  const kind = args.string("certs", "distinct");
  if (!["distinct", "same", "none"].includes(kind)) throw new Error(`--certs wants distinct, same or none, got "${kind}"`);
  // The per-user limit of test calls is not what is measured here.
  const env = { WEBHOOK_TEST_RATE_LIMIT: "0", ...args.env };
  // --api-node-flags="--a --b": the API's node flags instead of its start script's (--api-node-flags= for none).
  const flagsArg = args.string("api-node-flags", "start");
  const apiNodeFlags = flagsArg === "start" ? startScriptFlags("api") : flagsArg.split(/\s+/).filter(Boolean);
  const { machine, command } = startReport("tls-memory", "API memory under distinct-certificate test calls");

  const pki = getTestPki();
  const started = nowMs();
  // Each repeat starts a new API process, so the same certificates are new to each.
  const certs = kind === "distinct" ? distinctSelfSignedCerts(calls) : Array.from({ length: calls }, () => "");
  log(`made ${certs.length} distinct certificates in ${round((nowMs() - started) / 1000, 1)} s (not measured)`);
  const receiver = await listenLoopback((req, res) => {
    req.resume();
    req.once("end", () => res.writeHead(200, { "Content-Type": "text/plain" }).end("ok"));
  }, { cert: pki.cert, key: pki.key });
  const endpoint = `${receiver.url}/hook`;

  const results: Repeat[] = [];
  for (let repeat = 1; repeat <= repeats; repeat += 1) {
    const world = await createWorld();
    let api: ApiProcess | undefined;
    try {
      const apiProcess = await startApiProcess(world, env, apiNodeFlags);
      api = apiProcess;
      const admin = basicAuth(ADMIN_USER, ADMIN_PASSWORD);
      const user = basicAuth(USER, USER_PASSWORD);
      // The admin account is made as the API starts; under load /readyz can answer before it exists.
      for (let i = 0; ; i += 1) {
        const res = await timedRequest("POST", `${apiProcess.url}/enzi/v0/accounts`, { auth: admin, body: { name: USER, password: USER_PASSWORD } });
        if (res.status === 201) break;
        if (res.status !== 401 || i >= 30) throw new Error(`creating ${USER}: ${res.status} ${res.body.slice(0, 300)}`);
        await sleep(1000);
      }
      const testCall = async (tlsCert: string): Promise<boolean> => {
        const tls = tlsCert === "" ? { skipTLSVerification: true } : { tlsCert };
        const res = await expectStatus(200, "POST", `${apiProcess.url}/api/v0/webhooks/test`, {
          auth: user,
          body: { type: "TAG_PUSH", endpoint, ...tls },
        });
        return (JSON.parse(res.body) as { ok: boolean }).ok;
      };
      for (let i = 0; i < WARMUP_CALLS; i += 1) await testCall(pki.caCert);
      await sleep(1000);
      const rssBeforeMb = rssOf(api);
      const heapBefore = await heapOf(api);
      const accepted = receiver.accepted();
      const mine = certs.map((c) => (kind === "none" ? "" : kind === "same" ? pki.caCert : handshake === "ok" ? `${c}${pki.caCert}` : c));
      const t0 = nowMs();
      let ok = 0;
      for (let start = 0; start < mine.length; start += parallel) {
        const outcomes = await Promise.all(mine.slice(start, start + parallel).map(testCall));
        ok += outcomes.filter(Boolean).length;
      }
      const seconds = (nowMs() - t0) / 1000;
      const rssAfterMb = rssOf(api);
      await sleep(pauseMs);
      const rssAfterPauseMb = rssOf(api);
      const heapAfterPause = await heapOf(api);
      const r: Repeat = {
        repeat,
        calls: mine.length,
        ok,
        seconds,
        rssBeforeMb,
        rssAfterMb,
        rssAfterPauseMb,
        growthMb: rssAfterMb - rssBeforeMb,
        growthAfterPauseMb: rssAfterPauseMb - rssBeforeMb,
        heapBefore,
        heapAfterPause,
        peakRssMb: api.peakRssMb(),
        connectionsAccepted: receiver.accepted() - accepted,
        connectionsOpenAfterPause: receiver.open(),
      };
      results.push(r);
      log(
        `repeat ${repeat}: ${r.calls} calls (${r.ok} ok) in ${round(seconds, 1)} s; RSS ${round(rssBeforeMb, 1)} MB before, ` +
          `${round(rssAfterMb, 1)} after (+${round(r.growthMb, 1)}), ${round(rssAfterPauseMb, 1)} after ${pauseMs} ms ` +
          `(+${round(r.growthAfterPauseMb, 1)}); V8 heap ${round(heapBefore.total, 1)} -> ${round(heapAfterPause.total, 1)} MB (in use ${round(heapBefore.used, 1)} -> ${round(heapAfterPause.used, 1)}); ` +
          `${r.connectionsOpenAfterPause} TLS connections still open`,
      );
    } finally {
      await api?.stop();
      await world.close();
    }
  }
  await receiver.close();

  const rows: (string | number)[][] = results.map((r) => [
    r.repeat,
    `${r.ok}/${r.calls}`,
    round(r.rssBeforeMb, 1),
    round(r.rssAfterMb, 1),
    round(r.rssAfterPauseMb, 1),
    round(r.growthAfterPauseMb, 1),
    `${round(r.heapBefore.total, 1)} -> ${round(r.heapAfterPause.total, 1)}`,
    round(r.peakRssMb, 1),
    r.connectionsOpenAfterPause,
  ]);
  rows.push(["median", "", "", "", "", round(median(results.map((r) => r.growthAfterPauseMb)), 1), "", round(median(results.map((r) => r.peakRssMb)), 1), ""]);
  process.stdout.write(
    `\n${table(["repeat", "ok/calls", "RSS before MB", "RSS after MB", "RSS after pause MB", "growth MB", "V8 heap MB", "peak RSS MB", "TLS connections open"], rows)}\n`,
  );
  const file = saveResults("tls-memory", machine, command, { calls, parallel, pauseMs, handshake, certs: kind, env, apiNodeFlags, results });
  log(`saved ${file}`);
});
