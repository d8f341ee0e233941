// The gate's script calls, pipelined: the first call goes at once, and calls made while a pipeline
// is in flight go together in the next one (one socket write, one reply read). Each attempt makes
// two calls; sent one by one they cost more worker CPU in write system calls than the rest of the
// gate. A call's own error (e.g. a script error) fails that call alone; a pipeline that cannot be
// sent at all fails every call in it. Nothing is retried here: the gate lets attempts through
// when Redis cannot answer.
import type { Redis } from "ioredis";
import { Batcher } from "../shared/batcher.js";
import { ADMIT_SCRIPT, PARK_SCRIPT, RELEASE_SCRIPT } from "./gate-scripts.js";

export type GateScript = "msrwhGateAdmit" | "msrwhGateRelease" | "msrwhGatePark";

interface Call {
  script: GateScript;
  args: (string | number)[];
}

type Reply = { ok: true; value: unknown } | { ok: false; error: Error };

type ScriptPipeline = Record<GateScript, (...args: (string | number)[]) => unknown> & {
  exec(): Promise<[Error | null, unknown][] | null>;
};

/** Calls gathered into one pipeline at most; Redis answers them in one go. */
const MAX_PIPELINE = 200;

export class GatePipeline {
  private readonly calls: Batcher<Call, Reply>;

  constructor(private readonly redis: Redis) {
    redis.defineCommand("msrwhGateAdmit", { numberOfKeys: 3, lua: ADMIT_SCRIPT });
    redis.defineCommand("msrwhGateRelease", { numberOfKeys: 4, lua: RELEASE_SCRIPT });
    redis.defineCommand("msrwhGatePark", { numberOfKeys: 3, lua: PARK_SCRIPT });
    this.calls = new Batcher((calls) => this.send(calls), { maxBatch: MAX_PIPELINE, maxInFlight: 1 });
  }

  /** The script's reply; rejects when Redis could not run it. */
  async call<T>(script: GateScript, ...args: (string | number)[]): Promise<T> {
    const reply = await this.calls.submit({ script, args });
    if (!reply.ok) throw reply.error;
    return reply.value as T;
  }

  private async send(calls: Call[]): Promise<Reply[]> {
    try {
      const pipeline = this.redis.pipeline() as unknown as ScriptPipeline;
      for (const { script, args } of calls) pipeline[script](...args);
      const results = (await pipeline.exec()) ?? [];
      return calls.map((_, i): Reply => {
        const [error, value] = results[i] ?? [new Error("Redis returned no reply for a gate call"), null];
        return error === null ? { ok: true, value } : { ok: false, error };
      });
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      return calls.map((): Reply => ({ ok: false, error }));
    }
  }
}
