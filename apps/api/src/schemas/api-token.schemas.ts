// TypeBox schemas of the API token endpoints (/api/v0/api_tokens), shaped as DTR 2.7's Swagger
// has them: responses.APIToken, responses.NewAPIToken (the same with the secret, shown once),
// forms.CreateAPIToken and forms.UpdateAPIToken, plus DTR's paging query.
import { Type, type Static } from "@sinclair/typebox";
import { accountName, SafeText } from "./account.schemas.js";

const TokenRole = Type.Unsafe<"user" | "producer">({
  type: "string",
  enum: ["user", "producer"],
  description: "user: acts as its owner; producer: may only publish events (created by admins).",
});

/** DTR's generatedBy is how the token came to be; every token here is made through this API. */
export const GENERATED_BY = "manual";

/** Kept of the creating request's User-Agent (DTR's creatorUa); longer ones are cut. */
export const CREATOR_UA_MAX = 256;

/** The most tokens one page may hold (DTR's default page is 10). */
export const TOKEN_PAGE_MAX = 1000;

const tokenFields = {
  hashedToken: Type.String({ format: "uuid", description: "The token's id (only a hash of the secret is kept)." }),
  tokenLabel: Type.String(),
  isActive: Type.Boolean({ description: "false: the token is kept but refused at sign-in." }),
  lastUsed: Type.String({
    description: "RFC 3339; 0001-01-01T00:00:00Z when never used. Refreshed at most once a minute per token.",
  }),
  createdAt: Type.String({ description: "RFC 3339, as Go prints time.Time." }),
  generatedBy: Type.String({ description: `How the token was made: always "${GENERATED_BY}" (through this API).` }),
  creatorUa: Type.String({ description: `The User-Agent of the request that created it (first ${CREATOR_UA_MAX} characters).` }),
  role: TokenRole,
};

export const ApiTokenSchema = Type.Object(tokenFields, { additionalProperties: false, title: "ApiToken" });
export type ApiTokenView = Static<typeof ApiTokenSchema>;

export const NewApiTokenSchema = Type.Object(
  { ...tokenFields, token: Type.String({ description: "The token: shown in this response only. Use it as the password." }) },
  { additionalProperties: false, title: "NewApiToken" },
);
export type NewApiTokenView = Static<typeof NewApiTokenSchema>;

export const ApiTokenList = Type.Array(ApiTokenSchema, { title: "ApiTokenList" });

export const UsernameQuery = Type.Object({
  username: Type.Optional(accountName("Another user's tokens (system admins only).")),
});

export const ListApiTokensQuery = Type.Object({
  username: Type.Optional(accountName("Another user's tokens (system admins only).")),
  pageSize: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: TOKEN_PAGE_MAX,
      default: 10,
      description: `Tokens per page, oldest first (default 10, as DTR; at most ${TOKEN_PAGE_MAX}). X-Next-Page-Start when there are more.`,
    }),
  ),
  pageStart: Type.Optional(
    Type.String({ format: "uuid", description: "The X-Next-Page-Start of the previous page (the hashedToken this page starts at)." }),
  ),
  count: Type.Optional(Type.Boolean({ default: false, description: "true: the owner's number of tokens in X-Resource-Count." })),
});
export type ListApiTokensInput = Static<typeof ListApiTokensQuery>;

export const CreateApiTokenBody = Type.Object(
  {
    tokenLabel: Type.Optional(SafeText(200, "What the token is for.")),
    username: Type.Optional(accountName("Create the token for this user (system admins only).")),
    role: Type.Optional(TokenRole),
  },
  { additionalProperties: false, title: "CreateApiToken" },
);
export type CreateApiTokenInput = Static<typeof CreateApiTokenBody>;

export const UpdateApiTokenBody = Type.Object(
  {
    isActive: Type.Optional(Type.Boolean({ description: "false: refuse the token at sign-in, at once, on every replica." })),
    tokenLabel: Type.Optional(SafeText(200, "What the token is for.")),
  },
  { additionalProperties: false, title: "UpdateApiToken" },
);
export type UpdateApiTokenInput = Static<typeof UpdateApiTokenBody>;

export const TokenParams = Type.Object({
  hashedToken: Type.String({ format: "uuid", description: "The token's hashedToken." }),
});
