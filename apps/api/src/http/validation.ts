// ajv validators compiled from the routes' TypeBox schemas. Bodies are validated as sent;
// params and query strings are coerced to the schema's types first.
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

export const bodyValidator = (schema: TSchema): Validator => compile(bodyAjv, schema, "body");
export const stringsValidator = (schema: TSchema, root: string): Validator => compile(stringAjv, schema, root);
