// The messages between a bench script and its receiver process.

export type ReceiverCommand =
  | { type: "reset"; id: number }
  | { type: "await"; id: number; count: number }
  | { type: "stats"; id: number; latencies: boolean }
  /** The arrivals since the last window (or reset) and their latencies; then counts from 0 again, as reset. */
  | { type: "window"; id: number }
  | { type: "close" };

export interface ReceiverStats {
  count: number;
  /** Arrival times (ms, nowMs clock) of the first and last request and of the 10% and 90% marks. */
  firstAt: number;
  lastAt: number;
  at10: number;
  at90: number;
  /** Publish-to-receive latencies (ms) of requests that carried a publish time. */
  latencies: number[];
}

export type ReceiverReply =
  | { type: "ready"; ports: number[] }
  | { type: "done"; id: number }
  | { type: "reached"; id: number; at: number }
  | ({ type: "stats"; id: number } & ReceiverStats)
  | ({ type: "window"; id: number } & ReceiverWindow);

export interface ReceiverWindow {
  /** Requests that arrived in the window. */
  count: number;
  /** Their publish-to-receive latencies (ms). */
  latencies: number[];
}
