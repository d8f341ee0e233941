// Starts the receiver process and talks to it: reset the counters, wait for the n-th arrival,
// read the arrival statistics and latencies.
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { onCleanup } from "./cleanup.js";
import type { ReceiverCommand, ReceiverReply, ReceiverStats, ReceiverWindow } from "./receiver-protocol.js";

export interface ReceiverProcess {
  /** One base URL per listening port (each its own origin), e.g. `http://127.0.0.1:41234`. */
  urls: string[];
  pid: number;
  reset(): Promise<void>;
  /** Resolves with the arrival time of the count-th request since the last reset. */
  waitFor(count: number, timeoutMs: number): Promise<number>;
  stats(withLatencies?: boolean): Promise<ReceiverStats>;
  /** What arrived since the last window or reset, then a new window (the counts restart, as after reset). */
  window(): Promise<ReceiverWindow>;
  close(): Promise<void>;
}

export async function startReceiverProcess(origins = 100): Promise<ReceiverProcess> {
  const child: ChildProcess = fork(path.join(import.meta.dirname, "receiver-main.js"), [String(origins)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pending = new Map<number, (reply: ReceiverReply) => void>();
  let nextId = 1;
  const ports = await new Promise<number[]>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`receiver exited with ${String(code)}`)));
    child.on("message", (message: ReceiverReply) => {
      if (message.type === "ready") resolve(message.ports);
      else pending.get(message.id)?.(message);
    });
  });
  child.removeAllListeners("exit");

  const ask = (command: Exclude<ReceiverCommand, { type: "close" }>): Promise<ReceiverReply> =>
    new Promise((resolve) => {
      pending.set(command.id, (reply) => {
        pending.delete(command.id);
        resolve(reply);
      });
      child.send(command);
    });

  const stats = async (withLatencies = false): Promise<ReceiverStats> => {
    const reply = await ask({ type: "stats", id: nextId++, latencies: withLatencies });
    if (reply.type !== "stats") throw new Error(`unexpected receiver reply ${reply.type}`);
    return { count: reply.count, firstAt: reply.firstAt, lastAt: reply.lastAt, at10: reply.at10, at90: reply.at90, latencies: reply.latencies };
  };

  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.send({ type: "close" } satisfies ReceiverCommand);
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };
  const unregister = onCleanup(close);

  return {
    urls: ports.map((port) => `http://127.0.0.1:${port}`),
    pid: child.pid as number,
    async reset() {
      await ask({ type: "reset", id: nextId++ });
    },
    async waitFor(count, timeoutMs) {
      const id = nextId++;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(async () => {
          pending.delete(id);
          const { count: got } = await stats();
          reject(new Error(`receiver got ${got} of ${count} requests within ${timeoutMs} ms`));
        }, timeoutMs);
      });
      try {
        const reply = await Promise.race([ask({ type: "await", id, count }), timeout]);
        if (reply.type !== "reached") throw new Error(`unexpected receiver reply ${reply.type}`);
        return reply.at;
      } finally {
        clearTimeout(timer);
      }
    },
    stats,
    async window() {
      const reply = await ask({ type: "window", id: nextId++ });
      if (reply.type !== "window") throw new Error(`unexpected receiver reply ${reply.type}`);
      return { count: reply.count, latencies: reply.latencies };
    },
    close: unregister,
  };
}
