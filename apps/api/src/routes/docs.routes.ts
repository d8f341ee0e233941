// The OpenAPI document and the Swagger explorer ("click API ... explore the API resources").
import express, { type Router } from "express";
import swaggerUi from "swagger-ui-express";
import type { OpenApiDocument } from "../openapi/document.js";

export function docsRouter(document: OpenApiDocument): Router {
  const router = express.Router();
  router.get("/api/v0/openapi.json", (_req, res) => {
    res.json(document);
  });
  router.use("/api/v0/docs", swaggerUi.serve, swaggerUi.setup(document, { customSiteTitle: "msr-webhooks API" }));
  return router;
}
