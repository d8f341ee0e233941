// System admins' overview: deliveries per minute by outcome, the delivery queue's backlog, the
// endpoints failing most (last 30 minutes), disabled webhooks. Others are told it is not theirs.
import type { ReactNode } from "react";
import { api, unwrap } from "../api/client";
import { Link } from "../components/Link";
import { OutcomeBars } from "../components/OutcomeBars";
import { AsyncView } from "../components/status";
import { useAsync } from "../components/useAsync";
import { useSession } from "../session";

function AdminOverview(): ReactNode {
  const overview = useAsync(() => unwrap(api.GET("/api/v0/admin/overview")), []);
  return (
    <AsyncView state={overview}>
      {(o) => {
        const succeeded = o.perMinute.reduce((n, m) => n + m.succeeded, 0);
        const failed = o.perMinute.reduce((n, m) => n + m.failed, 0);
        const busiest = Math.max(0, ...o.perMinute.map((m) => m.succeeded + m.failed));
        return (
          <>
            <button type="button" onClick={overview.reload}>
              Refresh
            </button>
            <section aria-labelledby="rate-heading">
              <h2 id="rate-heading">Deliveries in the last {o.windowMinutes} minutes</h2>
              <p>
                {succeeded} attempts succeeded, {failed} failed; busiest minute {busiest} attempts.
              </p>
              <OutcomeBars
                slots={o.perMinute.map((m) => ({ at: m.minute, succeeded: m.succeeded, total: m.succeeded + m.failed }))}
                slotMs={60_000}
                count={o.windowMinutes}
                label="Attempts per minute: green succeeded, red failed"
              />
            </section>
            <section aria-labelledby="backlog-heading">
              <h2 id="backlog-heading">Delivery queue</h2>
              <dl className="facts">
                <dt>Waiting</dt>
                <dd>{o.backlog.waiting}</dd>
                <dt>Delayed (retries)</dt>
                <dd>{o.backlog.delayed}</dd>
                <dt>Active</dt>
                <dd>{o.backlog.active}</dd>
                <dt>Disabled webhooks</dt>
                <dd>{o.disabledWebhooks}</dd>
              </dl>
              <p>
                Jobs in detail: the <a href="/admin/queues">queue dashboard</a>. Every metric: <a href="/metrics">/metrics</a>.
              </p>
            </section>
            <section aria-labelledby="failing-heading">
              <h2 id="failing-heading">Endpoints failing most</h2>
              {o.failingEndpoints.length === 0 ? (
                <p>No failed attempts in the last {o.windowMinutes} minutes.</p>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Webhook</th>
                      <th scope="col">Endpoint</th>
                      <th scope="col">Failed</th>
                      <th scope="col">Attempts</th>
                    </tr>
                  </thead>
                  <tbody>
                    {o.failingEndpoints.map((f) => (
                      <tr key={f.webhookId}>
                        <td>
                          <Link to={{ page: "webhook", id: f.webhookId }}>
                            {f.type} on {f.key || "(global)"}
                          </Link>
                        </td>
                        <td className="endpoint">{f.endpoint}</td>
                        <td>{f.failed}</td>
                        <td>{f.attempts}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
          </>
        );
      }}
    </AsyncView>
  );
}

export function Overview(): ReactNode {
  const { session } = useSession();
  return (
    <>
      <h1>Overview</h1>
      {session.isAdmin ? <AdminOverview /> : <p role="alert">The overview is for system admins only.</p>}
    </>
  );
}
