// A webhook's last 24 hours: success rate, p50/p95 duration, attempts per hour as a bar chart,
// the circuit state, why it was disabled, and a one-click re-enable.
import type { ReactNode } from "react";
import { api, unwrap } from "../api/client";
import type { paths } from "../../generated/api";
import { OutcomeBars } from "../components/OutcomeBars";
import { ErrorMessage } from "../components/status";
import { useAction } from "../components/useAsync";
import { duration, percent, when } from "../format";

type Stats = paths["/api/v0/webhooks/{id}/stats"]["get"]["responses"][200]["content"]["application/json"];

function Chart({ hourly }: { hourly: Stats["hourly"] }): ReactNode {
  if (hourly.length === 0) return <p>No attempts in the last 24 hours.</p>;
  const slots = hourly.map((h) => ({ at: h.hour, succeeded: h.succeeded, total: h.attempts }));
  return (
    <figure>
      <OutcomeBars slots={slots} slotMs={3_600_000} count={24} label="Attempts per hour over the last 24 hours" />
      <figcaption>
        Attempts per hour over the last 24 hours (green: succeeded, red: failed); busiest hour {Math.max(...hourly.map((h) => h.attempts))} attempts.
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
