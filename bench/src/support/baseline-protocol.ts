// The messages between a bench script and its baseline sender process.

export type BaselineCommand = { type: "start"; urls: string[]; count: number; warmup: number; concurrency: number } | { type: "go" };

export type BaselineReply =
  | { type: "warm" }
  | { type: "done"; startAt: number; endAt: number; cpuMs: number; failures: number };
