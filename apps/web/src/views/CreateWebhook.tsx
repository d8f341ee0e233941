// Create a webhook on one subscription key: the event type (each with its description), the
// endpoint, a TLS certificate to trust, and whether to skip TLS verification.
import { useState, type FormEvent, type ReactNode } from "react";
import { api, unwrap } from "../api/client";
import type { SubscriptionType } from "../api/types";
import { ErrorMessage } from "../components/status";
import { useAction } from "../components/useAsync";
import { EVENT_TYPE_DESCRIPTIONS, EVENT_TYPES } from "../event-types";

export function CreateWebhook({ subscriptionKey, onCreated }: { subscriptionKey: string; onCreated: () => void }): ReactNode {
  const [type, setType] = useState<SubscriptionType>("TAG_PUSH");
  const [endpoint, setEndpoint] = useState("");
  const [tlsCert, setTlsCert] = useState("");
  const [skipTLSVerification, setSkip] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  const action = useAction();
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setCreated(null);
    const webhook = await action.run(() =>
      unwrap(api.POST("/api/v0/webhooks", { body: { type, key: subscriptionKey, endpoint, tlsCert, skipTLSVerification } })),
    );
    if (webhook) {
      setCreated(`Created a ${webhook.type} webhook to ${webhook.endpoint}.`);
      setEndpoint("");
      onCreated();
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} className="create">
      <h2>New webhook</h2>
      <label htmlFor="new-type">Event type</label>
      <select id="new-type" value={type} onChange={(e) => setType(e.target.value as SubscriptionType)} aria-describedby="new-type-help">
        {EVENT_TYPES.map((t) => (
          <option key={t} value={t}>
            {t}: {EVENT_TYPE_DESCRIPTIONS[t]}
          </option>
        ))}
      </select>
      <p id="new-type-help" className="help">
        {EVENT_TYPE_DESCRIPTIONS[type]}
      </p>
      <label htmlFor="new-endpoint">Endpoint URL</label>
      <input id="new-endpoint" type="url" required value={endpoint} onChange={(e) => setEndpoint(e.target.value)} placeholder="https://example.com/hooks" />
      <label htmlFor="new-cert">TLS certificate to trust (PEM, optional)</label>
      <textarea id="new-cert" rows={3} value={tlsCert} onChange={(e) => setTlsCert(e.target.value)} />
      <div className="check">
        <input id="new-skip" type="checkbox" checked={skipTLSVerification} onChange={(e) => setSkip(e.target.checked)} />
        <label htmlFor="new-skip">Skip TLS verification (also allows http://)</label>
      </div>
      <ErrorMessage text={action.error} />
      {created && <p role="status">{created}</p>}
      <button type="submit" disabled={action.busy}>
        {action.busy ? "Creating…" : "Create webhook"}
      </button>
    </form>
  );
}
