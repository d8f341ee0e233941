// The signed-in console: navigation, the current page, sign-out.
import { useEffect, useRef, type ReactNode } from "react";
import { Link } from "../components/Link";
import { useRoute, type Route } from "../router";
import { useSession } from "../session";
import { DeliveryPage } from "./DeliveryPage";
import { Home } from "./Home";
import { Overview } from "./Overview";
import { WebhookPage } from "./WebhookPage";
import { WebhooksView } from "./WebhooksView";

function Page({ route }: { route: Route }): ReactNode {
  switch (route.page) {
    case "home":
      return <Home />;
    case "repository":
      return <WebhooksView scope={{ kind: "repository", namespace: route.namespace, repository: route.repository }} />;
    case "namespace":
      return <WebhooksView scope={{ kind: "namespace", namespace: route.namespace }} />;
    case "global":
      return <WebhooksView scope={{ kind: "global" }} />;
    case "webhook":
      return <WebhookPage id={route.id} />;
    case "delivery":
      return <DeliveryPage id={route.id} deliveryId={route.deliveryId} />;
    case "overview":
      return <Overview />;
    case "not-found":
      return (
        <>
          <h1>Page not found</h1>
          <p>Nothing lives at {route.path}.</p>
        </>
      );
  }
}

export function Shell(): ReactNode {
  const { session, signOut } = useSession();
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  // A new page moves focus to its content, as a page load would for a screen reader.
  useEffect(() => main.current?.focus(), [route]);
  return (
    <>
      <a className="skip" href="#content">
        Skip to content
      </a>
      <header>
        <nav aria-label="Console">
          <ul>
            <li>
              <Link to={{ page: "home" }}>Webhooks</Link>
            </li>
            {session.isAdmin && (
              <>
                <li>
                  <Link to={{ page: "global" }}>Global webhooks</Link>
                </li>
                <li>
                  <Link to={{ page: "overview" }}>Overview</Link>
                </li>
              </>
            )}
            <li>
              <a href="/api/v0/docs">API explorer</a>
            </li>
          </ul>
        </nav>
        <p className="who">
          Signed in as <strong>{session.username}</strong>
          {session.isAdmin ? " (system admin)" : ""}
        </p>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main id="content" ref={main} tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}
