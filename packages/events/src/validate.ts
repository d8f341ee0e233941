// Validation of contents and producer events against the schemas, with errors that name the
// offending field. Validators are compiled once per schema, on first use.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { locationOf } from "./envelope.js";
import { formatGoTime, isGoTime, normalizeGoTime, nowGoTime } from "./go-time.js";
import {
  CHART_NAME_PATTERN,
  CHART_VERSION_PATTERN,
  CONTENTS_SCHEMAS,
  DIGEST_PATTERN,
  EVENT_INPUT_SCHEMA,
  NO_WHITESPACE_PATTERN,
  REPOSITORY_PATH_PATTERN,
  TAG_PATTERN,
  type ContentsOf,
  type EventInput,
} from "./schemas.js";
import { NAME_COMPONENT_PATTERN } from "./access.js";
import { EVENT_TYPES, isEventType, isRepoEventKind, type EventType } from "./types.js";
import { firstIllFormed, ILL_FORMED_MESSAGE } from "./well-formed.js";

// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats = addFormatsModule.default;

export interface FieldError {
  /** Dotted path of the offending value, e.g. `contents.scanSummary.critical`; "" is the whole input. */
  field: string;
  message: string;
}

export type ValidationResult<T> = { ok: true; contents: T } | { ok: false; errors: FieldError[] };

/** A valid producer event with its defaults filled in. */
export type NormalizedEvent = {
  [T in EventType]: {
    id?: string;
    type: T;
    createdAt: string;
    contents: ContentsOf<T>;
    location?: string;
  };
}[EventType];

export type EventValidationResult =
  | { ok: true; event: NormalizedEvent }
  | { ok: false; errors: FieldError[] };

const PATTERN_MESSAGES: Readonly<Record<string, string>> = {
  [NAME_COMPONENT_PATTERN]:
    'must be lowercase letters and digits, optionally separated by ".", "_" or "-"',
  [REPOSITORY_PATH_PATTERN]: 'must be "namespace/repository"',
  [TAG_PATTERN]: "must be a tag: letters, digits, _ . - (not first), at most 128 characters",
  [DIGEST_PATTERN]: "must be a digest: sha256: and 64 lowercase hex digits (or sha512: and 128)",
  [CHART_NAME_PATTERN]: "must be a chart name: letters, digits, . _ - (not first)",
  [CHART_VERSION_PATTERN]: "must be a SemVer version, e.g. 1.2.3",
  [NO_WHITESPACE_PATTERN]: "must not contain whitespace",
};

let ajv: Ajv | undefined;
const validators = new Map<EventType | "input", ValidateFunction>();

function getAjv(): Ajv {
  if (ajv === undefined) {
    // allErrors: a producer learns every problem of an event at once, not one per attempt.
    ajv = new Ajv({ allErrors: true, strict: true, discriminator: true });
    addFormats(ajv, ["uuid"]);
    // Our own date-time: exactly what a Go receiver's time.Parse(RFC3339) accepts.
    ajv.addFormat("date-time", { type: "string", validate: isGoTime });
  }
  return ajv;
}

function validatorFor(key: EventType | "input"): ValidateFunction {
  let v = validators.get(key);
  if (v === undefined) {
    v = getAjv().compile(key === "input" ? EVENT_INPUT_SCHEMA : CONTENTS_SCHEMAS[key]);
    validators.set(key, v);
  }
  return v;
}

/** Compiles every validator now (e.g. at boot) instead of on first use. */
export function precompileValidators(): void {
  validatorFor("input");
  for (const t of EVENT_TYPES) validatorFor(t);
}

function pointerSegments(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function joinField(root: string, segments: readonly string[]): string {
  return [root, ...segments].filter((s) => s !== "").join(".");
}

function describeType(t: unknown): string {
  const name = String(t);
  if (name === "integer") return "an integer";
  if (name === "object" || name === "array") return `an ${name}`;
  return `a ${name}`;
}

interface DiscriminatorProperty {
  enum?: unknown[];
  const?: unknown;
}

// The subschema at a schemaPath; ajv reports no parent schema unless `verbose` is on.
function schemaAt(schema: unknown, segments: readonly string[]): unknown {
  let node = schema;
  for (const key of segments) {
    node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

// The values of a discriminator property across the oneOf branches (for the error message).
function discriminatorValues(schema: unknown, schemaPath: string, tag: string): unknown[] {
  const parent = schemaAt(schema, schemaPath.split("/").slice(1, -1)) as { oneOf?: unknown } | undefined;
  const branches = (parent?.oneOf ?? []) as { properties: Record<string, DiscriminatorProperty> }[];
  return branches.flatMap((b) => {
    const prop = b.properties[tag];
    return prop?.enum ?? (prop?.const === undefined ? [] : [prop.const]);
  });
}

function toFieldError(e: ErrorObject, root: string, schema: unknown): FieldError {
  const path = pointerSegments(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
      return { field: joinField(root, [...path, String(p.missingProperty)]), message: "is required" };
    case "additionalProperties":
      return {
        field: joinField(root, [...path, String(p.additionalProperty)]),
        message: "is not a field of this object",
      };
    case "discriminator": {
      const field = joinField(root, [...path, String(p.tag)]);
      if (p.tagValue === undefined) return { field, message: "is required" };
      const allowed = discriminatorValues(schema, e.schemaPath, String(p.tag));
      return { field, message: `must be one of: ${allowed.map(String).join(", ")}` };
    }
    case "type":
      return { field: joinField(root, path), message: `must be ${describeType(p.type)}` };
    case "enum":
      return {
        field: joinField(root, path),
        message: `must be one of: ${(p.allowedValues as unknown[]).map(String).join(", ")}`,
      };
    case "format":
      return {
        field: joinField(root, path),
        message:
          p.format === "date-time"
            ? "must be an RFC 3339 date-time with a time zone, e.g. 2015-01-02T15:04:05Z"
            : `must be a valid ${String(p.format)}`,
      };
    case "pattern":
      return {
        field: joinField(root, path),
        message: PATTERN_MESSAGES[String(p.pattern)] ?? `must match ${String(p.pattern)}`,
      };
    case "maxProperties":
      return {
        field: joinField(root, path),
        message: p.limit === 0 ? "must be {}" : (e.message ?? "is invalid"),
      };
    default:
      return { field: joinField(root, path), message: e.message ?? "is invalid" };
  }
}

function toFieldErrors(validate: ValidateFunction, root: string): FieldError[] {
  const seen = new Set<string>();
  const all = (validate.errors ?? []).map((e) => toFieldError(e, root, validate.schema));
  return all.filter((e) => {
    const key = `${e.field}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function unknownTypeError(type: unknown): FieldError {
  if (isRepoEventKind(type)) {
    return {
      field: "type",
      message:
        `${type} is a subscription type, not an event type: ` +
        `produce a REPO_EVENT whose contents.event is ${type}`,
    };
  }
  return { field: "type", message: `must be one of: ${EVENT_TYPES.join(", ")}` };
}

/** Checks `contents` against the schema of `type`. An unknown type is an error on `type`. */
export function validateContents<T extends EventType>(
  type: T,
  contents: unknown,
): ValidationResult<ContentsOf<T>> {
  if (!isEventType(type)) return { ok: false, errors: [unknownTypeError(type)] };
  const validate = validatorFor(type);
  if (validate(contents)) return { ok: true, contents: contents as ContentsOf<T> };
  return { ok: false, errors: toFieldErrors(validate, "contents") };
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/**
 * Checks a producer's event `{id?, type, createdAt?, contents, location?}` and fills in its
 * defaults: createdAt (the given time in Go's UTC form with all its digits, else `options.now`, else
 * now to the microsecond) and location (from the contents).
 */
export function validateEventInput(
  input: unknown,
  options: { now?: Date } = {},
): EventValidationResult {
  const validate = validatorFor("input");
  let errors = validate(input) ? [] : toFieldErrors(validate, "");
  if (isPlainObject(input) && "type" in input && !isEventType(input.type)) {
    // One message for a present but unknown type, with a hint for the REPO_* aliases.
    errors = [unknownTypeError(input.type), ...errors.filter((e) => e.field !== "type")];
  }
  if (isPlainObject(input) && isEventType(input.type) && isPlainObject(input.contents)) {
    const contents = validateContents(input.type, input.contents);
    if (!contents.ok) errors.push(...contents.errors);
  }
  const illFormed = firstIllFormed(input);
  if (illFormed !== null) errors.push({ field: illFormed, message: ILL_FORMED_MESSAGE });
  if (errors.length > 0) return { ok: false, errors };

  const e = input as EventInput;
  const createdAt =
    e.createdAt !== undefined ? normalizeGoTime(e.createdAt) : options.now !== undefined ? formatGoTime(options.now) : nowGoTime();
  const event = {
    ...(e.id === undefined ? {} : { id: e.id }),
    type: e.type,
    createdAt,
    contents: e.contents,
  } as NormalizedEvent;
  const location = e.location ?? locationOf(e.type, e.contents);
  if (location !== undefined) event.location = location;
  return { ok: true, event };
}
