// MSR's Webhooks tab for a repository, a namespace, or (system admins) everything: the list,
// create, test, delete.
import type { ReactNode } from "react";
import { api, unwrap } from "../api/client";
import type { Webhook } from "../api/types";
import { AsyncView } from "../components/status";
import { useAsync } from "../components/useAsync";
import { CreateWebhook } from "./CreateWebhook";
import { WebhookTable } from "./WebhookTable";

export type Scope =
  | { kind: "repository"; namespace: string; repository: string }
  | { kind: "namespace"; namespace: string }
  | { kind: "global" };

const PAGE = { pageSize: 1000 };

function load(scope: Scope): Promise<Webhook[]> {
  switch (scope.kind) {
    case "repository":
      return unwrap(
        api.GET("/api/v0/repositories/{namespace}/{repository}/webhooks", {
          params: { path: { namespace: scope.namespace, repository: scope.repository }, query: PAGE },
        }),
      );
    case "namespace":
      return unwrap(api.GET("/api/v0/accounts/{namespace}/webhooks", { params: { path: { namespace: scope.namespace }, query: PAGE } }));
    case "global":
      return unwrap(api.GET("/api/v0/webhooks", { params: { query: PAGE } })).then((all) => all.filter((w) => w.key === ""));
  }
}

export const keyOf = (scope: Scope): string =>
  scope.kind === "repository" ? `${scope.namespace}/${scope.repository}` : scope.kind === "namespace" ? scope.namespace : "";

function title(scope: Scope): string {
  switch (scope.kind) {
    case "repository":
      return `Webhooks of repository ${scope.namespace}/${scope.repository}`;
    case "namespace":
      return `Webhooks of namespace ${scope.namespace}`;
    case "global":
      return "Global webhooks";
  }
}

export function WebhooksView({ scope }: { scope: Scope }): ReactNode {
  const list = useAsync(() => load(scope), [JSON.stringify(scope)]);
  return (
    <>
      <h1>{title(scope)}</h1>
      {scope.kind === "namespace" && <p>Webhooks on the namespace itself and on every repository in it.</p>}
      <AsyncView state={list}>{(webhooks: Webhook[]) => <WebhookTable webhooks={webhooks} onChange={list.reload} />}</AsyncView>
      <CreateWebhook subscriptionKey={keyOf(scope)} onCreated={list.reload} />
    </>
  );
}
