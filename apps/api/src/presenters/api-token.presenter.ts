// An ApiToken row as DTR's responses.APIToken: never the secret (only its hash's id), times as Go prints them.
import type { ApiToken } from "@msr-webhooks/db/client";
import { formatGoTime } from "@msr-webhooks/events/go-time";
import { GENERATED_BY, type ApiTokenView } from "../schemas/api-token.schemas.js";

export function presentApiToken(t: ApiToken): ApiTokenView {
  return {
    hashedToken: t.id,
    tokenLabel: t.label,
    isActive: t.isActive,
    lastUsed: formatGoTime(t.lastUsedAt),
    createdAt: formatGoTime(t.createdAt),
    generatedBy: GENERATED_BY,
    creatorUa: t.creatorUa,
    role: t.role === "producer" ? "producer" : "user",
  };
}
