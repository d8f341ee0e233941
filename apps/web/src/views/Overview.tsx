// System admins' overview: links to the queue dashboard and metrics, and the webhooks whose
// circuit is not closed. Others are told it is not theirs to see.
import type { ReactNode } from "react";
import { api, unwrap } from "../api/client";
import type { Webhook } from "../api/types";
import { AsyncView } from "../components/status";
import { useAsync } from "../components/useAsync";
import { useSession } from "../session";
import { WebhookTable } from "./WebhookTable";

function AdminOverview(): ReactNode {
  const all = useAsync(() => unwrap(api.GET("/api/v0/webhooks", { params: { query: { pageSize: 1000 } } })), []);
  return (
    <>
      <p>
        Queue backlog and jobs: <a href="/admin/queues">queue dashboard</a>. Deliveries per minute by outcome: the Prometheus metrics at{" "}
        <a href="/metrics">/metrics</a>.
      </p>
      <h2>Inactive webhooks</h2>
      <AsyncView state={all}>{(webhooks: Webhook[]) => <WebhookTable webhooks={webhooks.filter((w) => w.inactive)} onChange={all.reload} />}</AsyncView>
    </>
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
