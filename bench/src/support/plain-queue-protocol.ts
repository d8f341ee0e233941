// The messages between a bench script and its plain-queue worker process, and the jobs they share.

export const PLAIN_QUEUE_NAME = "plain-deliveries";

/** One delivery: where to post and what (the serialized envelope). */
export interface PlainQueueJobData {
  url: string;
  body: string;
}

export type PlainQueueCommand =
  | { type: "start"; redisUrl: string; prefix: string; concurrency: number }
  | { type: "stop" };

export type PlainQueueReply = { type: "ready" } | { type: "stopped"; failures: number };
