// Attempts per time slot as stacked bars (green: succeeded, red: failed) over a window ending now:
// the health panel's hours and the overview's minutes. The numbers are also said in words next to it.
import type { ReactNode } from "react";

export interface OutcomeSlot {
  /** Start of the slot (ISO time). */
  at: string;
  succeeded: number;
  total: number;
}

export function OutcomeBars({ slots, slotMs, count, label }: { slots: OutcomeSlot[]; slotMs: number; count: number; label: string }): ReactNode {
  const busiest = Math.max(1, ...slots.map((s) => s.total));
  const now = Date.now();
  return (
    <svg viewBox={`0 0 ${count * 10} 60`} preserveAspectRatio="none" width="100%" height="80" role="img" aria-label={label}>
      {slots.map((s) => {
        const x = Math.max(0, count - 1 - Math.floor((now - new Date(s.at).getTime()) / slotMs)) * 10;
        const total = (s.total / busiest) * 56;
        const ok = (s.succeeded / busiest) * 56;
        return (
          <g key={s.at}>
            <rect x={x} y={60 - total} width={8} height={total} className="bar-failed" />
            <rect x={x} y={60 - ok} width={8} height={ok} className="bar-ok" />
          </g>
        );
      })}
    </svg>
  );
}
