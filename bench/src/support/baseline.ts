// Measures the baseline: the delivery client alone, in its own process, posting to the receiver.
import { fork } from "node:child_process";
import path from "node:path";
import type { BaselineCommand, BaselineReply } from "./baseline-protocol.js";
import { childReplies } from "./child-replies.js";
import { onCleanup } from "./cleanup.js";
import { cpuSnapshot, perDelivery, type CpuGroups } from "./cpu-breakdown.js";
import type { ReceiverProcess } from "./receiver.js";
import { WORKER_NODE_FLAGS } from "./worker-process.js";

export interface BaselineResult {
  deliveries: number;
  seconds: number;
  perSecond: number;
  /** CPU time of the sender per request. */
  cpuUsPerDelivery: number;
  /** Machine CPU per delivery (µs) by process group. */
  cpu: CpuGroups;
}

export async function measureBaseline(
  receiver: ReceiverProcess,
  opts: { count: number; warmup: number; concurrency: number },
): Promise<BaselineResult> {
  // The same node flags as the worker: the comparison is the queue and database work, nothing else.
  const child = fork(path.join(import.meta.dirname, "baseline-sender-main.js"), [], {
    execArgv: [...WORKER_NODE_FLAGS],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const stop = onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  try {
    const { next } = childReplies<BaselineReply>(child, "baseline sender");
    child.send({ type: "start", urls: receiver.urls, ...opts } satisfies BaselineCommand);
    if ((await next()).type !== "warm") throw new Error("baseline sender: expected warm");
    await receiver.reset();
    const groups = { sender: [child.pid as number], receiver: [receiver.pid] };
    const before = cpuSnapshot(groups);
    child.send({ type: "go" } satisfies BaselineCommand);
    const done = await next();
    const cpu = perDelivery(before, cpuSnapshot(groups), opts.count);
    if (done.type !== "done") throw new Error("baseline sender: expected done");
    if (done.failures > 0) throw new Error(`baseline: ${done.failures} requests failed`);
    const { count } = await receiver.stats();
    if (count !== opts.count) throw new Error(`baseline: receiver counted ${count} of ${opts.count}`);
    const seconds = (done.endAt - done.startAt) / 1000;
    return {
      deliveries: opts.count,
      seconds,
      perSecond: opts.count / seconds,
      cpuUsPerDelivery: (done.cpuMs * 1000) / opts.count,
      cpu,
    };
  } finally {
    await stop();
  }
}
