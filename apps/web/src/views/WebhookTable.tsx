// A list of webhooks: type, endpoint, created, last success, active; each with Test and Delete.
import { useState, type ReactNode } from "react";
import { api, unwrap } from "../api/client";
import type { SubscriptionType, TestResult, Webhook } from "../api/types";
import { Link } from "../components/Link";
import { ErrorMessage } from "../components/status";
import { useAction } from "../components/useAsync";
import { when } from "../format";
import { TestResultView } from "./TestResultView";

function Row({ webhook, onChange }: { webhook: Webhook; onChange: () => void }): ReactNode {
  const action = useAction();
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState<TestResult | null>(null);
  const test = async (): Promise<void> => {
    setResult(null);
    const r = await action.run(() =>
      unwrap(
        api.POST("/api/v0/webhooks/test", {
          body: { type: webhook.type as SubscriptionType, endpoint: webhook.endpoint, tlsCert: webhook.tlsCert, skipTLSVerification: webhook.skipTLSVerification },
        }),
      ),
    );
    if (r) setResult(r);
  };
  const remove = async (): Promise<void> => {
    const done = await action.run(() => unwrap(api.DELETE("/api/v0/webhooks/{id}", { params: { path: { id: webhook.id } } })).then(() => true));
    if (done) onChange();
  };
  return (
    <>
      <tr>
        <td>
          <Link to={{ page: "webhook", id: webhook.id }}>{webhook.type}</Link>
        </td>
        <td className="endpoint">{webhook.endpoint}</td>
        <td>{webhook.key || "(global)"}</td>
        <td>{when(webhook.createdAt)}</td>
        <td>{when(webhook.lastSuccessfulAt)}</td>
        <td>{webhook.inactive ? "No" : "Yes"}</td>
        <td className="actions">
          <button type="button" onClick={() => void test()} disabled={action.busy} aria-label={`Test ${webhook.type} webhook to ${webhook.endpoint}`}>
            Test
          </button>
          {confirming ? (
            <span role="group" aria-label="Confirm deletion">
              Delete this webhook?{" "}
              <button type="button" className="danger" onClick={() => void remove()} disabled={action.busy}>
                Yes, delete
              </button>
              <button type="button" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </span>
          ) : (
            <button type="button" onClick={() => setConfirming(true)} aria-label={`Delete ${webhook.type} webhook to ${webhook.endpoint}`}>
              Delete
            </button>
          )}
        </td>
      </tr>
      {(action.error || result || (action.busy && !confirming)) && (
        <tr>
          <td colSpan={7}>
            {action.busy && <p role="status">Working…</p>}
            <ErrorMessage text={action.error} />
            {result && <TestResultView result={result} />}
          </td>
        </tr>
      )}
    </>
  );
}

export function WebhookTable({ webhooks, onChange }: { webhooks: Webhook[]; onChange: () => void }): ReactNode {
  if (webhooks.length === 0) return <p>No webhooks here yet.</p>;
  return (
    <table>
      <caption className="visually-hidden">Webhooks</caption>
      <thead>
        <tr>
          <th scope="col">Type</th>
          <th scope="col">Endpoint</th>
          <th scope="col">Subscribed to</th>
          <th scope="col">Created</th>
          <th scope="col">Last success</th>
          <th scope="col">Active</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {webhooks.map((w) => (
          <Row key={w.id} webhook={w} onChange={onChange} />
        ))}
      </tbody>
    </table>
  );
}
