// Validates a response against the OpenAPI document the app serves: finds the operation
// by method and path template, then checks the body against that status's schema.
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { Response } from "supertest";
import type { OpenApiDocument } from "../../src/openapi/document.js";

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}

export class OpenApiChecker {
  private readonly ajv: Ajv;
  private readonly cache = new Map<string, ValidateFunction>();
  private readonly templates: { regex: RegExp; path: string }[];

  constructor(private readonly doc: OpenApiDocument) {
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(this.ajv);
    this.ajv.addSchema(doc.components["schemas"] as object, "components");
    this.templates = Object.keys(doc.paths)
      .map((path) => ({ path, regex: new RegExp(`^${path.replace(/\{\w+\}/g, "[^/]+")}$`) }))
      // Literal paths win over templated ones (e.g. /webhooks/test over /webhooks/{id}).
      .sort((a, b) => (a.path.match(/\{/g)?.length ?? 0) - (b.path.match(/\{/g)?.length ?? 0));
  }

  private checkError(key: string, body: unknown): void {
    let validate = this.cache.get("error");
    if (!validate) {
      validate = this.ajv.compile({ $ref: "components#/ErrorBody" });
      this.cache.set("error", validate);
    }
    if (!validate(body)) throw new Error(`${key}: not an MSR error body: ${JSON.stringify(body)}`);
  }

  /** Throws with the ajv errors when the response does not match the document. */
  check(method: string, url: string, res: Pick<Response, "status" | "body" | "headers">): void {
    const pathname = new URL(url, "http://x").pathname;
    const template = this.templates.find((t) => t.regex.test(pathname));
    const op = template
      ? (this.doc.paths[template.path]?.[method.toLowerCase()] as Operation | undefined)
      : undefined;
    if (!template || !op) {
      // Unknown paths and methods must still answer in MSR's error format.
      if (res.status < 400) throw new Error(`${method} ${pathname}: ${res.status} from an undocumented operation`);
      this.checkError(`${method} ${pathname} ${res.status}`, res.body);
      return;
    }
    const response = op.responses[String(res.status)];
    if (!response) throw new Error(`${method} ${template.path}: status ${res.status} not documented`);
    const schema = response.content?.["application/json"]?.schema;
    if (!schema) {
      if (res.status !== 204 && res.body && Object.keys(res.body as object).length > 0) {
        throw new Error(`${method} ${template.path} ${res.status}: body present but none documented`);
      }
      return;
    }
    const key = `${method} ${template.path} ${res.status}`;
    let validate = this.cache.get(key);
    if (!validate) {
      const resolved = JSON.parse(JSON.stringify(schema).replace(/"#\/components\/schemas\//g, '"components#/'));
      validate = this.ajv.compile(resolved);
      this.cache.set(key, validate);
    }
    if (!validate(res.body)) {
      throw new Error(`${key}: body does not match the OpenAPI schema: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(res.body)}`);
    }
  }
}
