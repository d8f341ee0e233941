// Change what MSR lets one change: active, the TLS certificate, skip TLS verification.
import { useEffect, useState, type FormEvent, type ReactNode } from "react";
import { api, unwrap } from "../api/client";
import type { Webhook } from "../api/types";
import { ErrorMessage } from "../components/status";
import { useAction } from "../components/useAsync";

export function EditWebhook({ webhook, onSaved }: { webhook: Webhook; onSaved: () => void }): ReactNode {
  const [active, setActive] = useState(!webhook.inactive);
  const [tlsCert, setTlsCert] = useState(webhook.tlsCert);
  const [skip, setSkip] = useState(webhook.skipTLSVerification);
  const [saved, setSaved] = useState(false);
  // A change made elsewhere (re-enable in the health panel, or this form's own save) shows here too.
  useEffect(() => {
    setActive(!webhook.inactive);
    setTlsCert(webhook.tlsCert);
    setSkip(webhook.skipTLSVerification);
  }, [webhook.inactive, webhook.tlsCert, webhook.skipTLSVerification]);
  const action = useAction();
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setSaved(false);
    const done = await action.run(() =>
      unwrap(api.POST("/api/v0/webhooks/update", { body: { id: webhook.id, inactive: !active, tlsCert, skipTLSVerification: skip } })),
    );
    if (done) {
      setSaved(true);
      onSaved();
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} aria-labelledby="edit-heading">
      <h2 id="edit-heading">Settings</h2>
      <div className="check">
        <input id="edit-active" type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} />
        <label htmlFor="edit-active">Active</label>
      </div>
      <label htmlFor="edit-cert">TLS certificate to trust (PEM)</label>
      <textarea id="edit-cert" rows={3} value={tlsCert} onChange={(e) => setTlsCert(e.target.value)} />
      <div className="check">
        <input id="edit-skip" type="checkbox" checked={skip} onChange={(e) => setSkip(e.target.checked)} />
        <label htmlFor="edit-skip">Skip TLS verification</label>
      </div>
      <ErrorMessage text={action.error} />
      {saved && <p role="status">Saved.</p>}
      <button type="submit" disabled={action.busy}>
        {action.busy ? "Saving…" : "Save settings"}
      </button>
    </form>
  );
}
