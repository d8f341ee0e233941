// A receiver's answers scripted per path: each path's requests are counted, and a script answers the
// nth request on its path; a path without one gets `fallback`.
import type { ReceiverHandler, ReceiverReply } from "@msr-webhooks/testing/receiver";

export interface ScriptedReplies {
  /** Per path: the answer to the path's nth request (1-based). */
  replies: Map<string, (n: number) => ReceiverReply | Promise<ReceiverReply>>;
  /** Requests seen per path. */
  counts: Map<string, number>;
  handler: ReceiverHandler;
}

export function scriptedReplies(fallback: ReceiverReply = { status: 200 }): ScriptedReplies {
  const replies = new Map<string, (n: number) => ReceiverReply | Promise<ReceiverReply>>();
  const counts = new Map<string, number>();
  const handler: ReceiverHandler = (req) => {
    const n = (counts.get(req.path) ?? 0) + 1;
    counts.set(req.path, n);
    return replies.get(req.path)?.(n) ?? fallback;
  };
  return { replies, counts, handler };
}
