// TypeBox schema of the system admins' overview (GET /api/v0/admin/overview).
import { Type, type Static } from "@sinclair/typebox";

export const AdminOverviewSchema = Type.Object(
  {
    windowMinutes: Type.Integer({ description: "The window the per-minute counts and the failing endpoints cover, ending now." }),
    perMinute: Type.Array(
      Type.Object(
        {
          minute: Type.String({ format: "date-time" }),
          succeeded: Type.Integer({ minimum: 0 }),
          failed: Type.Integer({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
      { description: "Delivery attempts per minute by outcome, oldest first; minutes without attempts are left out." },
    ),
    backlog: Type.Object(
      {
        waiting: Type.Integer({ minimum: 0 }),
        delayed: Type.Integer({ minimum: 0, description: "Retries and deferred attempts not yet due." }),
        active: Type.Integer({ minimum: 0 }),
      },
      { additionalProperties: false, description: "The delivery queue's jobs now; all 0 when Redis cannot answer." },
    ),
    failingEndpoints: Type.Array(
      Type.Object(
        {
          webhookId: Type.String(),
          type: Type.String(),
          key: Type.String(),
          endpoint: Type.String(),
          attempts: Type.Integer({ minimum: 0 }),
          failed: Type.Integer({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
      { description: "The 10 webhooks with the most failed attempts in the window, most first." },
    ),
    disabledWebhooks: Type.Integer({ minimum: 0, description: "Webhooks disabled automatically (with a disabledReason)." }),
  },
  { additionalProperties: false, title: "AdminOverview" },
);
export type AdminOverviewView = Static<typeof AdminOverviewSchema>;
