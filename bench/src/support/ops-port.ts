// The port of the worker's ops endpoints (/metrics), which the bench starts on a free port
// (WORKER_HTTP_PORT=0): read from the line the worker logs once it listens.
import { readFileSync } from "node:fs";
import { sleep } from "./clock.js";

const LISTENING = "ops endpoints listening";

export async function opsPortOf(logFile: string, died: Promise<never>, timeoutMs = 60_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  const read = async (): Promise<number> => {
    while (Date.now() < until) {
      for (const line of readFileSync(logFile, "utf8").split("\n")) {
        if (!line.includes(LISTENING)) continue;
        const port = (JSON.parse(line) as { port?: unknown }).port;
        if (typeof port === "number") return port;
      }
      await sleep(100);
    }
    throw new Error(`the worker did not log "${LISTENING}" within ${timeoutMs} ms; log ${logFile}`);
  };
  return Promise.race([read(), died]);
}
