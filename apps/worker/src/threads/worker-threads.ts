// The main thread's side of the extra delivery threads (WORKER_THREADS - 1 of them): starts them,
// gathers their metrics into the process's /metrics, and stops them on shutdown. A thread that
// fails ends the whole process (exit 1), so the orchestrator restarts a complete worker rather
// than leaving one that quietly runs below its share.
import { Worker as Thread } from "node:worker_threads";
import type { Logger } from "winston";
import { errorMessage } from "@msr-webhooks/observability/logger";
import type { MetricsSnapshot } from "@msr-webhooks/observability/metrics";
import type { FromThread, ThreadData, ToThread } from "./thread-messages.js";

const ENTRY = new URL("./thread-main.js", import.meta.url);
/** A scrape does not wait longer than this for a thread; its series are then left out once. */
const METRICS_TIMEOUT_MS = 2000;

export interface WorkerThreadsOptions {
  count: number;
  /** The thread's script (tests); default thread-main.js. */
  entry?: URL;
  log: Logger;
  /** Called once if a thread fails or exits on its own; the default ends the process. */
  onFailure?: (err: Error) => void;
}

export class WorkerThreads {
  private readonly threads: Thread[] = [];
  private nextRequest = 1;
  private readonly pending = new Map<number, (snapshot: MetricsSnapshot | null) => void>();
  private stopping = false;

  private constructor(private readonly options: WorkerThreadsOptions) {}

  /** Resolves when every thread has started its BullMQ workers. */
  static async start(options: WorkerThreadsOptions): Promise<WorkerThreads> {
    const pool = new WorkerThreads(options);
    await Promise.all(Array.from({ length: options.count }, (_, i) => pool.spawn(i + 1)));
    return pool;
  }

  private spawn(index: number): Promise<void> {
    const thread = new Thread(this.options.entry ?? ENTRY, { workerData: { index } satisfies ThreadData });
    this.threads.push(thread);
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      thread.on("message", (message: FromThread) => {
        if (message.type === "ready") {
          ready = true;
          resolve();
        } else if (message.type === "metrics") {
          this.pending.get(message.id)?.(message.snapshot);
        }
      });
      thread.on("error", (err) => {
        if (!ready) reject(err);
        else this.fail(new Error(`worker thread ${index} failed: ${err.message}`));
      });
      thread.on("exit", (code) => {
        if (!ready) reject(new Error(`worker thread ${index} exited with ${code} before it started`));
        else if (!this.stopping) this.fail(new Error(`worker thread ${index} exited with ${code}`));
      });
    });
  }

  private fail(err: Error): void {
    if (this.stopping) return;
    this.stopping = true;
    this.options.log.error("a worker thread failed; stopping the worker", { error: err.message });
    if (this.options.onFailure) this.options.onFailure(err);
    else process.exit(1);
  }

  /** Every thread's metrics; a thread that does not answer in time is left out of this scrape. */
  async snapshots(): Promise<MetricsSnapshot[]> {
    const answers = await Promise.all(
      this.threads.map(
        (thread) =>
          new Promise<MetricsSnapshot | null>((resolve) => {
            const id = this.nextRequest++;
            const timer = setTimeout(() => done(null), METRICS_TIMEOUT_MS);
            const done = (snapshot: MetricsSnapshot | null): void => {
              clearTimeout(timer);
              this.pending.delete(id);
              resolve(snapshot);
            };
            this.pending.set(id, done);
            thread.postMessage({ type: "metrics", id } satisfies ToThread);
          }),
      ),
    );
    return answers.filter((s): s is MetricsSnapshot => s !== null);
  }

  /** Stops every thread's workers within graceMs; false when one still had jobs running then. */
  async close(graceMs: number): Promise<boolean> {
    this.stopping = true;
    const results = await Promise.all(
      this.threads.map(
        (thread) =>
          new Promise<boolean>((resolve) => {
            // A thread that does not report back in time is terminated: its jobs stall and are retried.
            const timer = setTimeout(() => {
              void thread.terminate();
              resolve(false);
            }, graceMs + 5000);
            thread.on("message", (message: FromThread) => {
              if (message.type !== "closed") return;
              clearTimeout(timer);
              resolve(message.clean);
            });
            thread.once("exit", () => {
              clearTimeout(timer);
              resolve(false);
            });
            try {
              thread.postMessage({ type: "close", graceMs } satisfies ToThread);
            } catch (err) {
              this.options.log.warn("cannot ask a worker thread to stop", { error: errorMessage(err) });
            }
          }),
      ),
    );
    await Promise.all(this.threads.map((t) => t.terminate().catch(() => undefined)));
    return results.every(Boolean);
  }
}
