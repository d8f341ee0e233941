// Reading settings from the environment, once, for both apps and the setting fragments the packages
// declare (outbound-settings, redis-settings): the keys a TypeBox schema names are taken from the
// source map (an empty value counts as unset), numeric and boolean strings become what the schema asks
// for, defaults fill in, and every problem is reported at once by its variable's name. Only the apps'
// config loaders call it with process.env (eslint.config.mjs); tests pass a literal map.
import { Ajv } from "ajv";

/** A setting that cannot be used; the process must not start with it. */
export class ConfigError extends Error {}

/** A ConfigError in the one wording every loader uses: "invalid configuration: NAME: what is wrong". */
export function configError(message: string): ConfigError {
  return new ConfigError(`invalid configuration: ${message}`);
}

const ajv = new Ajv({ useDefaults: true, allErrors: true, coerceTypes: true });

/**
 * The settings `schema` names, read from `source` and checked; throws a ConfigError naming every
 * problem. `T` is the schema's static type (Static<typeof Schema>, which the caller names once).
 */
export function loadEnv<T>(schema: { readonly properties: object }, source: Readonly<Record<string, string | undefined>>): T {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const value = source[key];
    if (value === undefined || value === "") continue;
    raw[key] = value;
  }
  const validate = ajv.compile<T>(schema as object);
  if (!validate(raw)) {
    const problems = (validate.errors ?? []).map((e) => {
      const name = e.instancePath.replace(/^\//, "") || String(e.params["missingProperty"] ?? "");
      return `${name}: ${e.message ?? "invalid"}`;
    });
    throw configError([...new Set(problems)].join("; "));
  }
  return raw as T;
}
