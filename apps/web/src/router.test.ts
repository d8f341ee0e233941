import { describe, expect, it } from "vitest";
import { matchRoute, pathOf, type Route } from "./router";

describe("matchRoute", () => {
  it("finds every page and decodes its parts", () => {
    expect(matchRoute("/")).toEqual({ page: "home" });
    expect(matchRoute("/repositories/acme/web%20app")).toEqual({ page: "repository", namespace: "acme", repository: "web app" });
    expect(matchRoute("/namespaces/acme/")).toEqual({ page: "namespace", namespace: "acme" });
    expect(matchRoute("/webhooks/abc/deliveries/d1")).toEqual({ page: "delivery", id: "abc", deliveryId: "d1" });
    expect(matchRoute("/global")).toEqual({ page: "global" });
  });

  it("answers not-found for unknown paths and malformed escapes", () => {
    expect(matchRoute("/nope")).toEqual({ page: "not-found", path: "/nope" });
    expect(matchRoute("/webhooks/%E0%A4%A")).toEqual({ page: "not-found", path: "/webhooks/%E0%A4%A" });
    expect(matchRoute("/repositories/a/b/c")).toEqual({ page: "not-found", path: "/repositories/a/b/c" });
  });

  it("round-trips through pathOf, whatever the names hold", () => {
    const routes: Route[] = [
      { page: "repository", namespace: "a/b", repository: "x?y#z" },
      { page: "delivery", id: "w", deliveryId: "d%" },
      { page: "overview" },
    ];
    for (const route of routes) expect(matchRoute(pathOf(route))).toEqual(route);
  });
});
