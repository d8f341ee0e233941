// TypeBox schemas of the API token endpoints (/api/v0/api_tokens): MSR's token object, with the
// secret present only in the creation response.
import { Type, type Static } from "@sinclair/typebox";
import type { ApiToken } from "@msr-webhooks/db/client";
import { formatGoTime } from "@msr-webhooks/events/go-time";
import { accountName, SafeText } from "./account.schemas.js";

const TokenRole = Type.Unsafe<"user" | "producer">({
  type: "string",
  enum: ["user", "producer"],
  description: "user: acts as its owner; producer: may only publish events (created by admins).",
});

const tokenFields = {
  hashedToken: Type.String({ format: "uuid", description: "The token's id (only a hash of the secret is kept)." }),
  tokenLabel: Type.String(),
  isActive: Type.Boolean(),
  creationTime: Type.String({ description: "RFC 3339, as Go prints time.Time." }),
  lastUsed: Type.String({ description: "RFC 3339; 0001-01-01T00:00:00Z when never used." }),
  generatedBy: Type.String({ description: "The account the token acts as." }),
  role: TokenRole,
};

export const ApiTokenSchema = Type.Object(tokenFields, { additionalProperties: false, title: "ApiToken" });
export type ApiTokenView = Static<typeof ApiTokenSchema>;

export const NewApiTokenSchema = Type.Object(
  { ...tokenFields, token: Type.String({ description: "The token: shown in this response only. Use it as the password." }) },
  { additionalProperties: false, title: "NewApiToken" },
);
export type NewApiTokenView = Static<typeof NewApiTokenSchema>;

export const ApiTokenList = Type.Object(
  { apiTokens: Type.Array(ApiTokenSchema) },
  { additionalProperties: false, title: "ApiTokenList" },
);

export const UsernameQuery = Type.Object({
  username: Type.Optional(accountName("Another user's tokens (system admins only).")),
});

export const CreateApiTokenBody = Type.Object(
  {
    tokenLabel: Type.Optional(SafeText(200, "What the token is for.")),
    username: Type.Optional(accountName("Create the token for this user (system admins only).")),
    role: Type.Optional(TokenRole),
  },
  { additionalProperties: false, title: "CreateApiToken" },
);
export type CreateApiTokenInput = Static<typeof CreateApiTokenBody>;

export const TokenParams = Type.Object({
  hashedToken: Type.String({ format: "uuid", description: "The token's hashedToken." }),
});

export function tokenView(t: ApiToken, generatedBy: string): ApiTokenView {
  return {
    hashedToken: t.id,
    tokenLabel: t.label,
    isActive: true,
    creationTime: formatGoTime(t.createdAt),
    lastUsed: formatGoTime(t.lastUsedAt),
    generatedBy,
    role: t.role === "producer" ? "producer" : "user",
  };
}
