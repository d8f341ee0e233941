// A webhook's last 24 hours: success rate, p50/p95 duration, attempts per hour as a bar chart,
// the circuit state, why it was disabled, and a one-click re-enable.
import type { ReactNode } from "react";
import { api, unwrap } from "../api/client";
import type { paths } from "../../generated/api";
import { ErrorMessage } from "../components/status";
import { useAction } from "../components/useAsync";
import { duration, percent, when } from "../format";

type Stats = paths["/api/v0/webhooks/{id}/stats"]["get"]["responses"][200]["content"]["application/json"];

function Chart({ hourly }: { hourly: Stats["hourly"] }): ReactNode {
  if (hourly.length === 0) return <p>No attempts in the last 24 hours.</p>;
  const max = Math.max(...hourly.map((h) => h.attempts));
  const width = 24 * 12;
  const start = Date.now() - 24 * 3_600_000;
  return (
    <figure>
      <svg viewBox={`0 0 ${width} 60`} width="100%" height="80" role="img" aria-labelledby="chart-caption">
        {hourly.map((h) => {
          const x = Math.max(0, Math.min(23, Math.floor((new Date(h.hour).getTime() - start) / 3_600_000))) * 12;
          const total = (h.attempts / max) * 56;
          const ok = (h.succeeded / max) * 56;
          return (
            <g key={h.hour}>
              <rect x={x} y={60 - total} width={10} height={total} className="bar-failed" />
              <rect x={x} y={60 - ok} width={10} height={ok} className="bar-ok" />
            </g>
          );
        })}
      </svg>
      <figcaption id="chart-caption">
        Attempts per hour over the last 24 hours (green: succeeded, red: failed); busiest hour {max} attempts.
      </figcaption>
    </figure>
  );
}

export function HealthPanel({ stats, onChange }: { stats: Stats; onChange: () => void }): ReactNode {
  const action = useAction();
  const enable = async (): Promise<void> => {
    const done = await action.run(() => unwrap(api.POST("/api/v0/webhooks/update", { body: { id: stats.webhook.id, inactive: false } })));
    if (done) onChange();
  };
  return (
    <section aria-labelledby="health-heading">
      <h2 id="health-heading">Health (last {stats.windowHours} hours)</h2>
      <dl className="facts">
        <dt>Success rate</dt>
        <dd>{stats.attempts === 0 ? "no attempts yet" : `${percent(stats.successRate)} of ${stats.attempts} attempts`}</dd>
        <dt>Duration p50 / p95</dt>
        <dd>
          {duration(stats.p50DurationMs)} / {duration(stats.p95DurationMs)}
        </dd>
        <dt>Circuit</dt>
        <dd>
          {stats.circuit}
          {stats.failingSince ? `, failing since ${when(stats.failingSince)}` : ""}
        </dd>
        {stats.disabledReason && (
          <>
            <dt>Disabled because</dt>
            <dd>
              {stats.disabledReason} ({when(stats.disabledAt)})
            </dd>
          </>
        )}
      </dl>
      <Chart hourly={stats.hourly} />
      {stats.webhook.inactive && (
        <button type="button" onClick={() => void enable()} disabled={action.busy}>
          Re-enable webhook
        </button>
      )}
      <ErrorMessage text={action.error} />
    </section>
  );
}
