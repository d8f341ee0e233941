// Generates the console's API types from the OpenAPI document the API itself builds
// (apps/api/dist/cli/openapi.js), so the console and the API cannot drift: a changed route or
// schema changes these types, and the console's type-check fails where it no longer fits.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import openapiTS, { astToString } from "openapi-typescript";

const here = import.meta.dirname;
const out = path.resolve(here, "../generated");
const emitter = path.resolve(here, "../../api/dist/cli/openapi.js");
const json = execFileSync(process.execPath, [emitter], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, "openapi.json"), json);
const ast = await openapiTS(JSON.parse(json));
writeFileSync(path.join(out, "api.ts"), `// Generated from the API's OpenAPI document by scripts/generate-client.mjs: do not edit.\n${astToString(ast)}`);
