// The start page: open a repository's or a namespace's webhooks, and the caller's own webhooks
// grouped by what they are subscribed to.
import { useState, type FormEvent, type ReactNode } from "react";
import { api, unwrap } from "../api/client";
import type { Webhook } from "../api/types";
import { Link } from "../components/Link";
import { AsyncView } from "../components/status";
import { useAsync } from "../components/useAsync";
import { scopeOf } from "../format";
import { navigate, type Route } from "../router";
import { useSession } from "../session";

function routeOfKey(key: string): Route {
  if (key === "") return { page: "global" };
  const [namespace = "", repository] = key.split("/");
  return repository === undefined ? { page: "namespace", namespace } : { page: "repository", namespace, repository };
}

export function Home(): ReactNode {
  const { session } = useSession();
  const [repo, setRepo] = useState("");
  const [namespace, setNamespace] = useState("");
  const mine = useAsync(() => unwrap(api.GET("/api/v0/webhooks", { params: { query: { pageSize: 1000 } } })), []);
  const openRepo = (e: FormEvent): void => {
    e.preventDefault();
    const [ns = "", name = ""] = repo.trim().split("/");
    if (ns && name) navigate({ page: "repository", namespace: ns, repository: name });
  };
  const openNamespace = (e: FormEvent): void => {
    e.preventDefault();
    if (namespace.trim()) navigate({ page: "namespace", namespace: namespace.trim() });
  };
  return (
    <>
      <h1>Webhooks</h1>
      <div className="columns">
        <form onSubmit={openRepo}>
          <h2>A repository</h2>
          <label htmlFor="open-repo">Repository (namespace/name)</label>
          <input id="open-repo" value={repo} onChange={(e) => setRepo(e.target.value)} pattern="[^/]+/[^/]+" placeholder="acme/web" required />
          <button type="submit">Open repository</button>
        </form>
        <form onSubmit={openNamespace}>
          <h2>A namespace</h2>
          <label htmlFor="open-namespace">Namespace</label>
          <input id="open-namespace" value={namespace} onChange={(e) => setNamespace(e.target.value)} placeholder="acme" required />
          <button type="submit">Open namespace</button>
        </form>
      </div>
      <h2>{session.isAdmin ? "Every webhook, by what it is subscribed to" : "Your webhooks, by what they are subscribed to"}</h2>
      <AsyncView state={mine}>
        {(webhooks: Webhook[]) => {
          const keys = [...new Set(webhooks.map((w) => w.key))].sort();
          if (keys.length === 0) return <p>No webhooks yet: open a repository or a namespace to create one.</p>;
          return (
            <ul>
              {keys.map((key) => (
                <li key={key}>
                  <Link to={routeOfKey(key)}>{scopeOf(key)}</Link> ({webhooks.filter((w) => w.key === key).length})
                </li>
              ))}
            </ul>
          );
        }}
      </AsyncView>
    </>
  );
}
