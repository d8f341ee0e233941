// Security headers on every response (helmet), set so that the Swagger UI at /api/v0/docs still
// works: its scripts and stylesheet are served from this origin, its styles are partly inline and its
// icons are data: URIs. The API itself answers JSON only, which no browser renders as a page.
import type { RequestHandler } from "express";
import helmet from "helmet";

export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        // helmet's default would make browsers fetch the docs' assets over https, which breaks
        // Swagger UI wherever the API is served over plain http (local runs, behind a TLS proxy).
        "upgrade-insecure-requests": null,
      },
    },
    // Only this host: the service may share its domain with sites that do not serve https.
    strictTransportSecurity: { maxAge: 15_552_000, includeSubDomains: false },
  });
}
