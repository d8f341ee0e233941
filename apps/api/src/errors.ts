// The API's one error taxonomy: every failure is an ApiError with an MSR error code,
// turned into MSR's `{"errors":[{code,message,detail}]}` body in one place (http/error-handler).

export type ErrorCode =
  | "INVALID_JSON"
  | "INVALID_WEBHOOK"
  | "INVALID_PARAMETERS"
  | "NOT_AUTHENTICATED"
  | "NOT_AUTHORIZED"
  | "NO_SUCH_WEBHOOK"
  | "NO_SUCH_REPOSITORY"
  | "NO_SUCH_ACCOUNT"
  | "NO_SUCH_TEAM"
  | "NO_SUCH_API_TOKEN"
  | "NO_SUCH_DELIVERY"
  | "NOT_FOUND"
  | "ACCOUNT_EXISTS"
  | "REPOSITORY_EXISTS"
  | "TEAM_EXISTS"
  | "NOT_ALLOWED"
  | "NOT_ACCEPTABLE"
  | "REQUEST_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "TOO_MANY_REQUESTS"
  | "INTERNAL_ERROR"
  | "SERVICE_UNAVAILABLE";

const STATUS: Record<ErrorCode, number> = {
  INVALID_JSON: 400,
  INVALID_WEBHOOK: 400,
  INVALID_PARAMETERS: 400,
  NOT_AUTHENTICATED: 401,
  NOT_AUTHORIZED: 403,
  NO_SUCH_WEBHOOK: 404,
  NO_SUCH_REPOSITORY: 404,
  NO_SUCH_ACCOUNT: 404,
  NO_SUCH_TEAM: 404,
  NO_SUCH_API_TOKEN: 404,
  NO_SUCH_DELIVERY: 404,
  NOT_FOUND: 404,
  ACCOUNT_EXISTS: 409,
  REPOSITORY_EXISTS: 409,
  TEAM_EXISTS: 409,
  NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  REQUEST_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
};

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = STATUS[code];
  }
}

export interface ErrorBody {
  errors: { code: ErrorCode; message: string; detail?: unknown }[];
}

export function errorBody(err: ApiError): ErrorBody {
  const entry: ErrorBody["errors"][number] = { code: err.code, message: err.message };
  if (err.detail !== undefined) entry.detail = err.detail;
  return { errors: [entry] };
}

export const notAuthenticated = (message = "authentication required"): ApiError =>
  new ApiError("NOT_AUTHENTICATED", message, undefined, { "WWW-Authenticate": 'Basic realm="msr-webhooks"' });
export const notAuthorized = (message = "you are not allowed to do this"): ApiError =>
  new ApiError("NOT_AUTHORIZED", message);
export const noSuchWebhook = (): ApiError => new ApiError("NO_SUCH_WEBHOOK", "webhook not found");
export const noSuchRepository = (name: string): ApiError =>
  new ApiError("NO_SUCH_REPOSITORY", `repository ${name} not found`);
export const noSuchAccount = (name: string): ApiError =>
  new ApiError("NO_SUCH_ACCOUNT", `account ${name} not found`);

// ---- identity helpers (accounts, teams, repositories, API tokens) ----

export const noSuchTeam = (org: string, team: string): ApiError =>
  new ApiError("NO_SUCH_TEAM", `team ${team} not found in organization ${org}`);
export const noSuchToken = (): ApiError => new ApiError("NO_SUCH_API_TOKEN", "API token not found");
/** A well-formed request that breaks a rule the schema cannot express; `field` names the culprit. */
export const invalidParameter = (field: string, message: string): ApiError =>
  new ApiError("INVALID_PARAMETERS", message, { field });

/** The caller of an `auth: "user"` route (the adapter has already refused anonymous calls). */
export function signedIn<P>(principal: P | null): P {
  if (principal === null) throw notAuthenticated();
  return principal;
}

/** Prisma's unique-constraint violation (two requests racing to create the same name). */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "P2002";
}

/** Prisma's "record to update or delete does not exist" (the row went away between read and write). */
export function isNotFound(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "P2025";
}
