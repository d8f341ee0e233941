// MSR's error body as a schema, shared by the OpenAPI document and the route specs.
import { Type } from "@sinclair/typebox";

export const ErrorBodySchema = Type.Object(
  {
    errors: Type.Array(
      Type.Object({ code: Type.String(), message: Type.String(), detail: Type.Optional(Type.Unknown()) }),
      { minItems: 1 },
    ),
  },
  { $id: "ErrorBody", additionalProperties: false },
);
