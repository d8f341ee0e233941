// The console's few pages, matched from the address bar's path (the API serves index.html for
// every path outside /api and /enzi), and navigation without a reload.
import { useEffect, useState } from "react";

export type Route =
  | { page: "home" }
  | { page: "repository"; namespace: string; repository: string }
  | { page: "namespace"; namespace: string }
  | { page: "global" }
  | { page: "webhook"; id: string }
  | { page: "delivery"; id: string; deliveryId: string }
  | { page: "overview" }
  | { page: "not-found"; path: string };

const seg = "([^/]+)";
// Each pattern's groups are all required, so m holds exactly as many strings as it has groups.
const PATTERNS: [RegExp, (m: [string, string]) => Route][] = [
  [/^\/$/, () => ({ page: "home" })],
  [new RegExp(`^/repositories/${seg}/${seg}$`), (m) => ({ page: "repository", namespace: m[0], repository: m[1] })],
  [new RegExp(`^/namespaces/${seg}$`), (m) => ({ page: "namespace", namespace: m[0] })],
  [/^\/global$/, () => ({ page: "global" })],
  [new RegExp(`^/webhooks/${seg}$`), (m) => ({ page: "webhook", id: m[0] })],
  [new RegExp(`^/webhooks/${seg}/deliveries/${seg}$`), (m) => ({ page: "delivery", id: m[0], deliveryId: m[1] })],
  [/^\/overview$/, () => ({ page: "overview" })],
];

export function matchRoute(pathname: string): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
  for (const [pattern, make] of PATTERNS) {
    const m = pattern.exec(path);
    if (!m) continue;
    try {
      const [a = "", b = ""] = m.slice(1).map((s) => decodeURIComponent(s));
      return make([a, b]);
    } catch {
      break; // a malformed %-escape
    }
  }
  return { page: "not-found", path: pathname };
}

export function pathOf(route: Route): string {
  const e = encodeURIComponent;
  switch (route.page) {
    case "home":
      return "/";
    case "repository":
      return `/repositories/${e(route.namespace)}/${e(route.repository)}`;
    case "namespace":
      return `/namespaces/${e(route.namespace)}`;
    case "global":
      return "/global";
    case "webhook":
      return `/webhooks/${e(route.id)}`;
    case "delivery":
      return `/webhooks/${e(route.id)}/deliveries/${e(route.deliveryId)}`;
    case "overview":
      return "/overview";
    case "not-found":
      return route.path;
  }
}

export function navigate(route: Route): void {
  window.history.pushState(null, "", pathOf(route));
  window.dispatchEvent(new PopStateEvent("popstate"));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => matchRoute(window.location.pathname));
  useEffect(() => {
    const update = (): void => setRoute(matchRoute(window.location.pathname));
    window.addEventListener("popstate", update);
    return () => window.removeEventListener("popstate", update);
  }, []);
  return route;
}
