// One webhook: its settings (edit), payload format and filters, health, signing secret and delivery log.
import type { ReactNode } from "react";
import { api, unwrap } from "../api/client";
import { AsyncView } from "../components/status";
import { useAsync } from "../components/useAsync";
import { scopeOf } from "../format";
import { DeliveryLog } from "./DeliveryLog";
import { EditWebhook } from "./EditWebhook";
import { HealthPanel } from "./HealthPanel";
import { PayloadPanel } from "./PayloadPanel";
import { SecretPanel } from "./SecretPanel";

export function WebhookPage({ id }: { id: string }): ReactNode {
  const stats = useAsync(() => unwrap(api.GET("/api/v0/webhooks/{id}/stats", { params: { path: { id } } })), [id]);
  return (
    <AsyncView state={stats}>
      {(s) => (
        <>
          <h1>
            {s.webhook.type} webhook to {s.webhook.endpoint}
          </h1>
          <p>
            Subscribed to {scopeOf(s.webhook.key)}. {s.webhook.inactive ? "Inactive." : "Active."}
          </p>
          <HealthPanel stats={s} onChange={stats.reload} />
          <DeliveryLog id={id} />
          <EditWebhook webhook={s.webhook} onSaved={stats.reload} />
          <PayloadPanel id={id} type={s.webhook.type} />
          <SecretPanel id={id} />
        </>
      )}
    </AsyncView>
  );
}
