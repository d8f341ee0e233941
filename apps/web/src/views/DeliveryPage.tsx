// One delivery: the request it sends (headers and exact body), every attempt, Redeliver.
import { useState, type ReactNode } from "react";
import { api, unwrap } from "../api/client";
import type { Attempt, DeliveryDetail } from "../api/types";
import { Link } from "../components/Link";
import { AsyncView, ErrorMessage } from "../components/status";
import { useAction, useAsync } from "../components/useAsync";
import { duration, when } from "../format";

function requestHeaders(d: DeliveryDetail, attempt: Attempt | undefined): [string, string][] {
  const timestamp = attempt ? String(Math.floor(new Date(attempt.startedAt).getTime() / 1000)) : "(the time of each attempt)";
  return [
    ["content-type", "application/json"],
    ["webhook-id", d.id],
    ["webhook-timestamp", timestamp],
    ["webhook-signature", "v1,<HMAC-SHA256 of webhook-id.webhook-timestamp.body with the signing secret>"],
  ];
}

function Attempts({ attempts }: { attempts: Attempt[] }): ReactNode {
  if (attempts.length === 0) return <p>No attempt yet.</p>;
  return (
    <table>
      <caption className="visually-hidden">Attempts</caption>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Started</th>
          <th scope="col">Trigger</th>
          <th scope="col">Status code</th>
          <th scope="col">Duration</th>
          <th scope="col">Error</th>
          <th scope="col">Response</th>
        </tr>
      </thead>
      <tbody>
        {attempts.map((a) => (
          <tr key={a.number}>
            <td>{a.number}</td>
            <td>{when(a.startedAt)}</td>
            <td>{a.trigger}</td>
            <td>{a.statusCode ?? "none"}</td>
            <td>{duration(a.durationMs)}</td>
            <td>{a.errorKind ? `${a.errorKind}${a.errorMessage ? `: ${a.errorMessage}` : ""}` : ""}</td>
            <td>
              <code className="excerpt">{a.responseBody.slice(0, 200)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function DeliveryPage({ id, deliveryId }: { id: string; deliveryId: string }): ReactNode {
  const detail = useAsync(
    () => unwrap(api.GET("/api/v0/webhooks/{id}/deliveries/{deliveryId}", { params: { path: { id, deliveryId } } })),
    [id, deliveryId],
  );
  const action = useAction();
  const [note, setNote] = useState<string | null>(null);
  const redeliver = async (): Promise<void> => {
    setNote(null);
    const r = await action.run(() =>
      unwrap(api.POST("/api/v0/webhooks/{id}/deliveries/{deliveryId}/redeliver", { params: { path: { id, deliveryId } } })),
    );
    if (r) {
      setNote("Queued for an attempt now: refresh to see it.");
      detail.reload();
    }
  };
  return (
    <>
      <p>
        <Link to={{ page: "webhook", id }}>Back to the webhook</Link>
      </p>
      <AsyncView state={detail}>
        {(d) => (
          <>
            <h1>
              Delivery of {d.eventType} ({d.status})
            </h1>
            <dl className="facts">
              <dt>Created</dt>
              <dd>{when(d.createdAt)}</dd>
              <dt>Attempts</dt>
              <dd>{d.attemptCount}</dd>
              {d.reason && (
                <>
                  <dt>Reason</dt>
                  <dd>{d.reason}</dd>
                </>
              )}
              {d.nextAttemptAt && (
                <>
                  <dt>Next attempt</dt>
                  <dd>{when(d.nextAttemptAt)}</dd>
                </>
              )}
            </dl>
            <button type="button" onClick={() => void redeliver()} disabled={action.busy}>
              Redeliver
            </button>{" "}
            <button type="button" onClick={detail.reload}>
              Refresh
            </button>
            {note && <p role="status">{note}</p>}
            <ErrorMessage text={action.error} />
            <h2>Attempts</h2>
            <Attempts attempts={d.attempts} />
            <h2>Request</h2>
            <h3>Headers (as of the last attempt)</h3>
            <pre tabIndex={0} aria-label="Request headers">
              {requestHeaders(d, d.attempts[d.attempts.length - 1])
                .map(([k, v]) => `${k}: ${v}`)
                .join("\n")}
            </pre>
            <h3>Body</h3>
            <pre tabIndex={0} aria-label="Request body">{JSON.stringify(d.payload, null, 2)}</pre>
          </>
        )}
      </AsyncView>
    </>
  );
}
