// TypeBox schemas of the console's sign-in session (/api/v0/session).
import { Type } from "@sinclair/typebox";

export const SignInBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 255, description: "Account name." }),
    password: Type.String({ minLength: 1, maxLength: 1024, description: "The account's password, or one of its API tokens." }),
  },
  { additionalProperties: false },
);

export const SessionSchema = Type.Object(
  {
    username: Type.String(),
    isAdmin: Type.Boolean({ description: "A system admin." }),
    csrfToken: Type.String({ description: "Send it as X-CSRF-Token with every change made through this session." }),
    expiresAt: Type.String({ format: "date-time", description: "When the session ends at the latest." }),
  },
  { additionalProperties: false },
);
