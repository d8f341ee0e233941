// TypeBox schemas of the webhook endpoints (MSR contract section 2): request bodies, the
// MSR webhook object, and the extension responses (test outcome, signing secret).
import { Type, type Static, type TUnsafe } from "@sinclair/typebox";
import { SUBSCRIPTION_TYPES } from "@msr-webhooks/events/types";

function StringEnum<const T extends readonly string[]>(values: T, description: string): TUnsafe<T[number]> {
  // A plain `enum` gives a one-line validation error, unlike TypeBox's anyOf of literals.
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], description });
}

const GO_TIME_PATTERN = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?Z$";

export const MAX_ENDPOINT_LENGTH = 2048;
/** The schema's ceiling; the configured limit (WEBHOOK_TLS_CERT_MAX_BYTES, default 64 KiB) is checked by the service. */
export const MAX_TLS_CERT_LENGTH = 256 * 1024;

const SubscriptionTypeSchema = StringEnum(
  SUBSCRIPTION_TYPES,
  "Event type. REPO_CREATED / REPO_UPDATED / REPO_DELETED subscribe to one kind of REPO_EVENT.",
);

const Endpoint = Type.String({
  minLength: 1,
  maxLength: MAX_ENDPOINT_LENGTH,
  description:
    "Absolute https:// URL (http:// only with skipTLSVerification: true); user:password@ in it is sent as HTTP Basic auth, as MSR does.",
});
const TlsCert = Type.String({
  maxLength: MAX_TLS_CERT_LENGTH,
  description:
    "PEM certificate(s) trusted for this endpoint in addition to the system roots; \"\" for none. At most WEBHOOK_TLS_CERT_MAX_BYTES (default 64 KiB).",
});
const SkipTls = Type.Boolean({ description: "Do not verify the endpoint's TLS certificate." });

export const WebhookIdParams = Type.Object({
  id: Type.String({ description: "Webhook id (64 lowercase hex characters)." }),
});

export const RepositoryParams = Type.Object({
  namespace: Type.String({ description: "Namespace (user or organization) name." }),
  repository: Type.String({ description: "Repository name." }),
});

export const NamespaceParams = Type.Object({
  namespace: Type.String({ description: "Namespace (user or organization) name." }),
});

/**
 * The webhook listings page (MSR returns everything, which for a system admin of a large install is a
 * response of hundreds of megabytes): a client that sends no pageSize gets the first
 * WEBHOOK_LIST_PAGE_SIZE (default 100), pageSize may ask for up to WEBHOOK_PAGE_SIZE, a page also ends
 * early past WEBHOOK_LIST_MAX_BYTES, and X-Next-Page-Start says where the next one starts.
 */
export const WEBHOOK_PAGE_SIZE = 1000;

const PageFields = {
  pageSize: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: WEBHOOK_PAGE_SIZE,
      description: `Webhooks per page, oldest first (default WEBHOOK_LIST_PAGE_SIZE, 100; at most ${WEBHOOK_PAGE_SIZE}); a page also ends early past WEBHOOK_LIST_MAX_BYTES. X-Next-Page-Start when there are more.`,
    }),
  ),
  pageStart: Type.Optional(
    Type.String({
      pattern: "^[0-9a-f]{64}$",
      description: "The X-Next-Page-Start header of the previous page (the id of this page's first webhook).",
    }),
  ),
};

export const ListWebhooksQuery = Type.Object({
  // DTR 2.7's ListWebhooks takes a plain string (default "any"), compared as is with the stored
  // type: an unknown or lower-case value is no error, it matches nothing.
  webhookType: Type.Optional(
    Type.String({
      description: `Only webhooks of this exact type (${SUBSCRIPTION_TYPES.join(", ")}); \`any\` (the default) or empty for all. Case-sensitive: any other value matches nothing.`,
    }),
  ),
  ...PageFields,
});

/** The paging of the repository and namespace listings. */
export const WebhookPageQuery = Type.Object(PageFields);

export const CreateWebhookBody = Type.Object({
  type: SubscriptionTypeSchema,
  key: Type.Optional(
    Type.String({
      maxLength: 255,
      description:
        "`namespace/repository` or `namespace` to subscribe to; omitted or \"\" (system admins only) for all.",
    }),
  ),
  endpoint: Endpoint,
  tlsCert: Type.Optional(TlsCert),
  skipTLSVerification: Type.Optional(SkipTls),
});
export type CreateWebhookBody = Static<typeof CreateWebhookBody>;

export const UpdateWebhookBody = Type.Object(
  {
    id: Type.String({ minLength: 1, description: "The webhook to change." }),
    inactive: Type.Optional(Type.Boolean({ description: "true: deliver nothing; false: (re-)enable it." })),
    tlsCert: Type.Optional(TlsCert),
    skipTLSVerification: Type.Optional(SkipTls),
  },
  { description: "Only inactive, tlsCert and skipTLSVerification can change; type, key and endpoint cannot." },
);
export type UpdateWebhookBody = Static<typeof UpdateWebhookBody>;

export const TestWebhookBody = Type.Object({
  type: SubscriptionTypeSchema,
  endpoint: Endpoint,
  tlsCert: Type.Optional(TlsCert),
  skipTLSVerification: Type.Optional(SkipTls),
});
export type TestWebhookBody = Static<typeof TestWebhookBody>;

export const WebhookSchema = Type.Object(
  {
    id: Type.String({ pattern: "^[0-9a-f]{64}$" }),
    type: Type.String(),
    key: Type.String(),
    endpoint: Type.String(),
    authorID: Type.String({ format: "uuid" }),
    createdAt: Type.String({ pattern: GO_TIME_PATTERN }),
    lastSuccessfulAt: Type.String({
      pattern: GO_TIME_PATTERN,
      description: "0001-01-01T00:00:00Z until the first successful delivery.",
    }),
    inactive: Type.Boolean(),
    tlsCert: Type.String(),
    skipTLSVerification: Type.Boolean(),
  },
  { additionalProperties: false, description: "An MSR webhook subscription." },
);
export type WebhookObject = Static<typeof WebhookSchema>;

export const WebhookListSchema = Type.Array(WebhookSchema);

export const TestResultSchema = Type.Object(
  {
    ok: Type.Boolean({ description: "true when the endpoint answered 2xx." }),
    statusCode: Type.Union([Type.Integer(), Type.Null()], { description: "The endpoint's HTTP status; null if none." }),
    durationMs: Type.Integer({ minimum: 0 }),
    error: Type.Union([Type.String(), Type.Null()], { description: "Why the attempt failed; null on success." }),
    errorKind: Type.Union([Type.String(), Type.Null()], {
      description:
        "http | redirect | dns for everyone; a failure without an HTTP answer is `unreachable` except to system admins, who see timeout | connection_refused | connection_reset | tls | other (all of them with RESPONSE_DETAIL=everyone); null on success.",
    }),
    responseBody: Type.String({
      description: "The endpoint's response body, cut at 16 KiB: for system admins only (\"\" for others) unless RESPONSE_DETAIL=everyone.",
    }),
    webhookId: Type.String({ description: "The webhook-id header sent." }),
    signingSecret: Type.String({
      description: "The throwaway secret this test request was signed with (verify your receiver against it).",
    }),
    payload: Type.Object(
      {
        type: Type.String(),
        createdAt: Type.String(),
        contents: Type.Object({}),
        location: Type.Optional(Type.String()),
      },
      { description: "The envelope that was sent." },
    ),
  },
  { additionalProperties: false },
);
export type TestResult = Static<typeof TestResultSchema>;

export const SecretSchema = Type.Object(
  {
    secret: Type.String({ pattern: "^whsec_[A-Za-z0-9+/]+={0,2}$", description: "The current signing secret." }),
    previousSecret: Type.Optional(
      Type.String({ description: "The secret before the last rotation, still signing until previousSecretExpiresAt." }),
    ),
    previousSecretExpiresAt: Type.Optional(Type.String({ pattern: GO_TIME_PATTERN })),
  },
  { additionalProperties: false },
);
export type SecretView = Static<typeof SecretSchema>;
