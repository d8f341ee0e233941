// Builds the Express app (no listen: supertest drives it, index.ts serves it).
import express, { type Express } from "express";
import { ApiError } from "./errors.js";
import { requireJsonAccept } from "./http/accept.js";
import { ADMIN_QUEUES_PATH, bullBoard, requireSystemAdmin } from "./http/admin-queues.js";
import { authenticate } from "./http/authenticate.js";
import { consoleAssets } from "./http/console-assets.js";
import { errorHandler } from "./http/error-handler.js";
import { registerRoutes } from "./http/register-routes.js";
import { handlerTimeout } from "./http/handler-timeout.js";
import { requestId } from "./http/request-id.js";
import { sameOriginWrites } from "./http/same-origin-writes.js";
import { securityHeaders } from "./http/security-headers.js";
import type { ApiDeps } from "./deps.js";
import { docsRouter } from "./routes/docs.routes.js";
import { opsRouter } from "./routes/ops.routes.js";

export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  // Which address req.ip gives (the sign-in limit counts per client): the TCP peer unless proxies are trusted.
  app.set("trust proxy", deps.config.trustProxy);
  app.use(securityHeaders());
  app.use(requestId(deps.log));
  app.use(handlerTimeout(deps.config.handlerTimeoutMs));
  // Probes and Prometheus: before authentication and the JSON Accept check.
  app.use(opsRouter({ metrics: deps.metrics, readiness: deps.readiness, metricsToken: deps.config.metricsToken }));
  const signIn = authenticate(deps.services.auth, deps.authFailures, deps.sessionAuth);
  app.use(ADMIN_QUEUES_PATH, signIn, requireSystemAdmin, sameOriginWrites, bullBoard(deps.queues));
  app.use(docsRouter(deps.openApi));
  app.use(consoleAssets(deps.config.consoleDir));
  app.use(requireJsonAccept);
  app.use(signIn);
  const router = express.Router({ strict: false });
  registerRoutes(router, deps.groups, deps.config.bodyLimitBytes);
  app.use(router);
  app.use((req) => {
    throw new ApiError("NOT_FOUND", `no such endpoint: ${req.method} ${req.path}`);
  });
  app.use(errorHandler);
  return app;
}
