// Builds the Express app (no listen: supertest drives it, index.ts serves it).
import express, { type Express } from "express";
import { ApiError } from "./errors.js";
import { requireJsonAccept } from "./http/accept.js";
import { authenticate } from "./http/authenticate.js";
import { errorHandler } from "./http/error-handler.js";
import { registerRoutes } from "./http/register-routes.js";
import { requestId } from "./http/request-id.js";
import type { ApiDeps } from "./deps.js";
import { docsRouter } from "./routes/docs.routes.js";

export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(requestId(deps.log));
  app.use(docsRouter(deps.openApi));
  app.use(requireJsonAccept);
  app.use(authenticate(deps.services.auth));
  const router = express.Router({ strict: false });
  registerRoutes(router, deps.groups, deps.config.bodyLimitBytes);
  app.use(router);
  app.use((req) => {
    throw new ApiError("NOT_FOUND", `no such endpoint: ${req.method} ${req.path}`);
  });
  app.use(errorHandler);
  return app;
}
