// GET /api/v0/admin/overview: the console's overview for system admins.
import { route, type RouteSpec } from "../http/route-spec.js";
import { AdminOverviewSchema } from "../schemas/admin-overview.schemas.js";
import type { Services } from "../services/services.js";

export function adminOverviewRoutes(services: Services): RouteSpec[] {
  const { adminOverview } = services;
  return [
    route({
      method: "get",
      path: "/admin/overview",
      summary: "System admins: deliveries per minute by outcome, the delivery queue's backlog, the endpoints failing most (last 30 minutes)",
      tags: ["deliveries"],
      auth: "user",
      responses: { 200: { description: "The overview", schema: AdminOverviewSchema } },
      answers: 200,
      run: (who) => adminOverview.overview(who),
    }),
  ];
}
