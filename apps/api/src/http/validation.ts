// ajv validators compiled from the routes' TypeBox schemas. Bodies are validated as sent, except
// that a JSON null is absent (below); params and query strings are coerced to the schema's types first.
import type { TSchema } from "@sinclair/typebox";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({ allErrors: false, coerceTypes: coerce, useDefaults: true, strict: false });
  addFormats.default(ajv);
  return ajv;
}

const bodyAjv = makeAjv(false);
const stringAjv = makeAjv(true);

export interface FieldProblem {
  field: string;
  message: string;
}

export type Validator = (value: unknown) => FieldProblem | null;

function describe(error: ErrorObject, root: string): FieldProblem {
  const path = error.instancePath
    .split("/")
    .filter((s) => s.length > 0)
    .join(".");
  let field = path;
  let message = error.message ?? "is invalid";
  if (error.keyword === "required") {
    const missing = String(error.params["missingProperty"]);
    field = path ? `${path}.${missing}` : missing;
    message = "is required";
  } else if (error.keyword === "additionalProperties") {
    const extra = String(error.params["additionalProperty"]);
    field = path ? `${path}.${extra}` : extra;
    message = "is not a known field";
  }
  return { field: field || root, message: `${field || root} ${message}` };
}

function compile(ajv: Ajv, schema: TSchema, root: string): Validator {
  const validate: ValidateFunction = ajv.compile(schema);
  return (value) => {
    if (validate(value)) return null;
    const first = validate.errors?.[0];
    return first ? describe(first, root) : { field: root, message: `${root} is invalid` };
  };
}

type Schemaish = { type?: unknown; anyOf?: Schemaish[]; oneOf?: Schemaish[]; properties?: Record<string, Schemaish> };

function takesNull(schema: Schemaish | undefined): boolean {
  if (schema === undefined) return false;
  const { type } = schema;
  if (type === "null" || (Array.isArray(type) && type.includes("null"))) return true;
  return [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].some(takesNull);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Go's JSON decoder treats null as absent: it leaves a non-pointer field at its zero value and
 * sets a pointer one to nil, so an MSR client that marshals an unset pointer (`"tlsCert": null`,
 * `"key": null`) means "not given". Every body field whose schema does not itself take null (none
 * of MSR's request fields does) therefore loses its null before validation, in nested objects too;
 * a required field sent as null then reads as missing. An undeclared field is ignored either way.
 */
function dropNulls(schema: Schemaish, value: Record<string, unknown>): void {
  for (const [name, field] of Object.entries(value)) {
    const fieldSchema = schema.properties && Object.hasOwn(schema.properties, name) ? schema.properties[name] : undefined;
    if (field === null && !takesNull(fieldSchema)) Reflect.deleteProperty(value, name);
    else if (fieldSchema?.properties && isPlainObject(field)) dropNulls(fieldSchema, field);
  }
}

export function bodyValidator(schema: TSchema): Validator {
  const validate = compile(bodyAjv, schema, "body");
  return (value) => {
    if (isPlainObject(value)) dropNulls(schema as Schemaish, value);
    return validate(value);
  };
}

export const stringsValidator = (schema: TSchema, root: string): Validator => compile(stringAjv, schema, root);
