// The DTR 2.7 contract: every response a test receives for an operation DTR 2.7 also serves is
// checked against DTR's own Swagger (test/fixtures/dtr-2.7-swagger.json, extracted by
// scripts/extract-dtr-swagger.mjs), on top of our OpenAPI document. What it holds us to:
// - a success status must be one DTR documents for the operation (a client checks it);
// - the body must match DTR's schema: required fields present, types as DTR's (string vs
//   integer, array vs object). Fields DTR does not list are allowed (Go's decoder ignores them),
//   except in webhook objects, which keep exactly MSR's ten fields;
// - a success DTR documents without a schema (e.g. DELETE api_tokens' 200) takes any body.
// Error statuses are not held to DTR's lists (its Swagger has no error schema; our error bodies
// are MSR's, checked by the OpenAPI check). Paths DTR does not have are our extensions: skipped.
import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { Response } from "supertest";

type Schema = Record<string, unknown>;

interface DtrOperation {
  operationId: string;
  responses: Record<string, { description: string; schema?: Schema }>;
}

interface DtrFixture {
  paths: Record<string, Record<string, DtrOperation>>;
  definitions: Record<string, Schema>;
}

/**
 * DTR operations where we knowingly answer otherwise (each a decision in docs/msr-compatibility.md):
 * their bodies are not held to DTR's schema (their status still is). Keep this list short.
 */
const PENDING: Record<string, string> = {
  GetRepository:
    "GET /repositories/{namespace}/webhooks, when no repository {namespace}/webhooks is readable, answers the namespace's webhook list (MSR's docs) where DTR answers 404",
};

/** Where a pending mismatch is narrower than its operation: only these bodies are let through. */
const PENDING_ONLY: Record<string, (body: unknown) => boolean> = {
  GetRepository: (body) => Array.isArray(body),
};

/** The definitions whose objects may carry no field beyond DTR's: MSR's webhook object. */
const CLOSED_DEFINITIONS = new Set(["responses.Webhook"]);

const FIXTURE = path.join(import.meta.dirname, "..", "fixtures", "dtr-2.7-swagger.json");

/**
 * Swagger 2.0 definitions leave `type: object` implicit, and JSON Schema would then let an array
 * pass an object's schema: say it. Closed definitions also refuse extra fields.
 */
function toJsonSchema(name: string, def: Schema): Schema {
  const out: Schema = { ...def };
  if (out["type"] === undefined && (out["properties"] !== undefined || out["required"] !== undefined)) out["type"] = "object";
  if (CLOSED_DEFINITIONS.has(name)) out["additionalProperties"] = false;
  return out;
}

export class DtrContract {
  private readonly ajv: Ajv;
  private readonly fixture: DtrFixture;
  private readonly templates: { regex: RegExp; path: string }[];
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(file = FIXTURE) {
    this.fixture = JSON.parse(readFileSync(file, "utf8")) as DtrFixture;
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(this.ajv);
    // Go's number formats say nothing JSON Schema checks beyond `type`.
    for (const format of ["integer", "int32", "int64", "float", "double"]) this.ajv.addFormat(format, true);
    const definitions = Object.fromEntries(
      Object.entries(this.fixture.definitions).map(([name, def]) => [name, toJsonSchema(name, def)]),
    );
    this.ajv.addSchema({ $id: "dtr", definitions });
    this.templates = Object.keys(this.fixture.paths)
      .map((p) => ({ path: p, regex: new RegExp(`^${p.replace(/\{\w+\}/g, "[^/]+")}$`) }))
      // Literal paths win over templated ones (/webhooks/test over /webhooks/{webhook}).
      .sort((a, b) => (a.path.match(/\{/g)?.length ?? 0) - (b.path.match(/\{/g)?.length ?? 0));
  }

  /** The DTR operation a request is, if DTR 2.7 serves it. */
  operation(method: string, url: string): { path: string; op: DtrOperation } | null {
    const pathname = new URL(url, "http://x").pathname;
    for (const t of this.templates) {
      if (!t.regex.test(pathname)) continue;
      const op = this.fixture.paths[t.path]?.[method.toLowerCase()];
      // The first template that matches decides; a method DTR lacks there is our extension.
      return op ? { path: t.path, op } : null;
    }
    return null;
  }

  /** Throws when a response to a DTR operation breaks DTR's contract. */
  check(method: string, url: string, res: Pick<Response, "status" | "body">): void {
    const found = this.operation(method, url);
    if (!found || res.status >= 400) return;
    const { path: template, op } = found;
    const key = `DTR ${op.operationId} (${method.toUpperCase()} ${template}) ${res.status}`;
    const documented = op.responses[String(res.status)];
    if (!documented) {
      const successes = Object.keys(op.responses).filter((s) => /^[23]/.test(s));
      throw new Error(`${key}: DTR answers ${successes.join(" or ")} here, not ${res.status}`);
    }
    if (!documented.schema) return;
    let validate = this.cache.get(key);
    if (!validate) {
      const schema = JSON.parse(JSON.stringify(documented.schema).replace(/"#\/definitions\//g, '"dtr#/definitions/')) as Schema;
      validate = this.ajv.compile(schema);
      this.cache.set(key, validate);
    }
    const ok = validate(res.body);
    const pending = PENDING[op.operationId] !== undefined && (PENDING_ONLY[op.operationId]?.(res.body) ?? true);
    if (!ok && !pending) {
      throw new Error(`${key}: body breaks DTR's schema: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(res.body).slice(0, 2000)}`);
    }
  }
}
