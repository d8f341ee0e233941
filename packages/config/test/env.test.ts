import { Type, type Static } from "@sinclair/typebox";
import { ConfigError, configError, loadEnv } from "../src/env.js";

const Schema = Type.Object({
  NAME: Type.String({ default: "x" }),
  COUNT: Type.Integer({ minimum: 1, default: 3 }),
  SHARE: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.5 }),
  FLAG: Type.Boolean({ default: false }),
  URL: Type.String(),
});

describe("loadEnv", () => {
  it("takes the schema's keys only, fills defaults, and turns numeric and boolean strings into what the schema asks for", () => {
    const env = loadEnv<Static<typeof Schema>>(Schema, { URL: "u", COUNT: "7", SHARE: "0.25", FLAG: "true", OTHER: "ignored" });
    expect(env).toEqual({ NAME: "x", COUNT: 7, SHARE: 0.25, FLAG: true, URL: "u" });
  });

  it("counts an empty value as unset", () => {
    expect(loadEnv<Static<typeof Schema>>(Schema, { URL: "u", COUNT: "" }).COUNT).toBe(3);
  });

  it("names every problem at once, each once, in one wording", () => {
    let error: unknown;
    try {
      loadEnv(Schema, { COUNT: "0", SHARE: "many" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message.startsWith("invalid configuration: ")).toBe(true);
    for (const name of ["COUNT", "SHARE", "URL"]) expect(message).toContain(`${name}: `);
    expect(message.split("; ").length).toBe(new Set(message.split("; ")).size);
  });

  it("words a loader's own checks the same way", () => {
    expect(configError("RETRY_SCHEDULE: not a list").message).toBe("invalid configuration: RETRY_SCHEDULE: not a list");
  });
});
