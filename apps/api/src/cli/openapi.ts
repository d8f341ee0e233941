// CLI: prints the OpenAPI document the server serves at /api/v0/openapi.json, without a database,
// Redis or config (the console's client is generated from it at build time: apps/web).
// Route factories only keep references to their services, which the document never calls.
import { buildOpenApi } from "../openapi/document.js";
import { ErrorBodySchema } from "../openapi/error-schema.js";
import { routeGroups } from "../routes/route-groups.js";
import type { Services } from "../services/services.js";
import { VERSION } from "../version.js";

const unused: Services = new Proxy({} as Services, { get: () => ({}) });
process.stdout.write(`${JSON.stringify(buildOpenApi(routeGroups(unused), ErrorBodySchema, VERSION), null, 2)}\n`);
