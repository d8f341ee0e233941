// The replies of a forked helper process (baseline sender, plain-queue worker), one at a time, in
// order; waiting fails at once when the process exits.
import type { ChildProcess } from "node:child_process";

export interface ChildReplies<R> {
  next(): Promise<R>;
  /** Rejects when the process exits (already handled: race it, never await it alone). */
  exited: Promise<never>;
}

export function childReplies<R>(child: ChildProcess, name: string): ChildReplies<R> {
  const replies: R[] = [];
  let wake: (() => void) | undefined;
  child.on("message", (m: R) => {
    replies.push(m);
    wake?.();
  });
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`${name} exited with ${String(code)}`))));
  exited.catch(() => undefined);
  return {
    exited,
    async next() {
      while (replies.length === 0) await Promise.race([new Promise<void>((resolve) => (wake = resolve)), exited]);
      return replies.shift() as R;
    },
  };
}
