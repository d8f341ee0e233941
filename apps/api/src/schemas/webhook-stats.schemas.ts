// TypeBox schema of a webhook's health over the last 24 hours (GET /api/v0/webhooks/{id}/stats).
import { Type, type Static } from "@sinclair/typebox";
import { WebhookSchema } from "./webhook.schemas.js";

const NullableNumber = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });
const NullableTime = (description: string) => Type.Union([Type.String({ format: "date-time" }), Type.Null()], { description });

export const WebhookStatsSchema = Type.Object(
  {
    webhook: WebhookSchema,
    windowHours: Type.Integer({ description: "The window the numbers cover, ending now (24)." }),
    attempts: Type.Integer({ minimum: 0, description: "Attempts started in the window." }),
    succeeded: Type.Integer({ minimum: 0, description: "Of those, answered 2xx." }),
    successRate: NullableNumber("succeeded / attempts, 0-1; null without attempts."),
    p50DurationMs: NullableNumber("Median attempt duration; null without attempts."),
    p95DurationMs: NullableNumber("95th percentile attempt duration; null without attempts."),
    hourly: Type.Array(
      Type.Object(
        {
          hour: Type.String({ format: "date-time", description: "Start of the hour (UTC)." }),
          attempts: Type.Integer({ minimum: 0 }),
          succeeded: Type.Integer({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
      { description: "Attempts per hour of the window, oldest first; hours without attempts are left out." },
    ),
    circuit: Type.Union([Type.Literal("closed"), Type.Literal("failing"), Type.Literal("disabled")], {
      description:
        "closed: delivering normally; failing: every attempt since failingSince failed (retries back off); disabled: inactive (by a user, or automatically after failing too long: see disabledReason).",
    }),
    failingSince: NullableTime("Since when every attempt failed; null while it succeeds."),
    disabledReason: Type.Union([Type.String(), Type.Null()], { description: "Why delivery stopped automatically; null otherwise." }),
    disabledAt: NullableTime("When it was disabled automatically."),
  },
  { additionalProperties: false, title: "WebhookStats" },
);
export type WebhookStatsView = Static<typeof WebhookStatsSchema>;
