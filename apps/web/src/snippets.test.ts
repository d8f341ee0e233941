import { describe, expect, it } from "vitest";
import { verificationSnippet } from "./snippets";

describe("verificationSnippet", () => {
  it("puts the secret into every language's snippet as a quoted string", () => {
    for (const lang of ["Node.js", "Python", "Go"] as const) {
      const text = verificationSnippet(lang, 'whsec_ab"c');
      expect(text).toContain('"whsec_ab\\"c"');
    }
  });
});
