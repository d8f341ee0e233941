// The OpenAPI document and the Swagger explorer ("click API ... explore the API resources").
// The document is served at our own path and at DTR's (/api/v0/docs.json, where DTR 2.x serves its
// Swagger description and where tools that build clients look for it); both are the same OpenAPI
// 3.1 document: a Swagger 2.0 rendering of it would lose its nullable fields and unions.
import express, { type Router } from "express";
import { lazyRouter } from "../http/lazy-router.js";
import type { OpenApiDocument } from "../openapi/document.js";

const OPENAPI_PATHS = ["/api/v0/openapi.json", "/api/v0/docs.json"] as const;

export function docsRouter(document: OpenApiDocument): Router {
  const router = express.Router();
  router.get([...OPENAPI_PATHS], (_req, res) => {
    res.json(document);
  });
  // The explorer's module is loaded on its first request (http/lazy-router.ts).
  router.use("/api/v0/docs", lazyRouter(() => explorer(document)));
  return router;
}

async function explorer(document: OpenApiDocument): Promise<Router> {
  const { default: swaggerUi } = await import("swagger-ui-express");
  const router = express.Router();
  router.use(swaggerUi.serve, swaggerUi.setup(document, { customSiteTitle: "msr-webhooks API" }));
  return router;
}
