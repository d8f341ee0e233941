#!/usr/bin/env node
// Re-extracts apps/api/test/fixtures/dtr-2.7-swagger.json from DTR 2.7's published API
// description: docker's documentation repository, file reference/dtr/2.7/api/main.js (a Swagger UI
// page with the Swagger 2.0 JSON inline). Keeps the operations this service serves (OPERATIONS)
// with their summary, operationId, parameters and responses, and every definition they reach.
//
//   node scripts/extract-dtr-swagger.mjs <path to main.js> <source commit> > apps/api/test/fixtures/dtr-2.7-swagger.json
import { readFileSync } from "node:fs";

/** [DTR path template, method]: the DTR operations with a route here (see apps/api/src/routes). */
const OPERATIONS = [
  ["/api/v0/accounts/{namespace}/webhooks", "get"],
  ["/api/v0/api_tokens", "get"],
  ["/api/v0/api_tokens", "post"],
  ["/api/v0/api_tokens/{hashedtoken}", "get"],
  ["/api/v0/api_tokens/{hashedtoken}", "patch"],
  ["/api/v0/api_tokens/{hashedtoken}", "delete"],
  ["/api/v0/repositories/{namespace}", "get"],
  ["/api/v0/repositories/{namespace}", "post"],
  ["/api/v0/repositories/{namespace}/{reponame}", "get"],
  ["/api/v0/repositories/{namespace}/{reponame}", "patch"],
  ["/api/v0/repositories/{namespace}/{reponame}", "delete"],
  ["/api/v0/repositories/{namespace}/{reponame}/teamAccess", "get"],
  ["/api/v0/repositories/{namespace}/{reponame}/teamAccess/{teamname}", "put"],
  ["/api/v0/repositories/{namespace}/{reponame}/teamAccess/{teamname}", "delete"],
  ["/api/v0/repositories/{namespace}/{reponame}/webhooks", "get"],
  ["/api/v0/repositoryNamespaces/{namespace}/teamAccess", "get"],
  ["/api/v0/repositoryNamespaces/{namespace}/teamAccess/{teamname}", "put"],
  ["/api/v0/repositoryNamespaces/{namespace}/teamAccess/{teamname}", "delete"],
  ["/api/v0/webhooks", "get"],
  ["/api/v0/webhooks", "post"],
  ["/api/v0/webhooks/test", "post"],
  ["/api/v0/webhooks/update", "post"],
  ["/api/v0/webhooks/{webhook}", "delete"],
];

const [file, commit] = process.argv.slice(2);
if (!file || !commit) {
  process.stderr.write("usage: extract-dtr-swagger.mjs <main.js> <source commit>\n");
  process.exit(2);
}
const page = readFileSync(file, "utf8");
// The page is `... spec:\n{...swagger json...}\n,\n    dom_id: ...`.
const start = page.indexOf("spec:");
const end = page.indexOf("\n,\n", start);
if (start < 0 || end < 0) throw new Error("no `spec:` JSON found in the page");
const swagger = JSON.parse(page.slice(start + "spec:".length, end));

const paths = {};
const wanted = new Set();
const refsOf = (value) => {
  if (Array.isArray(value)) value.forEach(refsOf);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string") wanted.add(v.replace("#/definitions/", ""));
      else refsOf(v);
    }
  }
};
for (const [path, method] of OPERATIONS) {
  const op = swagger.paths?.[path]?.[method];
  if (!op) throw new Error(`DTR has no ${method.toUpperCase()} ${path}`);
  const { summary, operationId, parameters, responses } = op;
  (paths[path] ??= {})[method] = { summary, operationId, parameters, responses };
  refsOf(op);
}
const definitions = {};
for (const seen = new Set(); seen.size < wanted.size; ) {
  for (const name of [...wanted].sort()) {
    if (seen.has(name)) continue;
    seen.add(name);
    const def = swagger.definitions?.[name];
    if (!def) throw new Error(`DTR has no definition ${name}`);
    definitions[name] = def;
    refsOf(def);
  }
}
const sorted = Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b)));
const fixture = {
  source: {
    repository: "docker/docs (formerly docker/docker.github.io)",
    path: "reference/dtr/2.7/api/main.js",
    commit,
    note: "Extracted by scripts/extract-dtr-swagger.mjs: only the operations this service serves, and the definitions they reach.",
  },
  swagger: swagger.swagger,
  info: swagger.info,
  paths,
  definitions: sorted,
};
process.stdout.write(`${JSON.stringify(fixture, null, 2)}\n`);
