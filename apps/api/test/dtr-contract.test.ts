// The DTR 2.7 contract check itself (test/support/dtr-contract.ts), on hand-made responses: it must
// refuse what a DTR client would choke on and let through what Go's decoder ignores.
import { DtrContract } from "./support/dtr-contract.js";

const dtr = new DtrContract();

const token = {
  hashedToken: "6f1c2f5e-8a1d-4c1e-9a4e-0d2f6c7b8a90",
  tokenLabel: "ci",
  isActive: true,
  lastUsed: "0001-01-01T00:00:00Z",
  createdAt: "2026-12-04T18:00:00.123Z",
  generatedBy: "manual",
  creatorUa: "curl/8.5.0",
};
const webhook = {
  id: "a".repeat(64),
  type: "TAG_PUSH",
  key: "ns/repo",
  endpoint: "https://example.com/hook",
  authorID: "6f1c2f5e-8a1d-4c1e-9a4e-0d2f6c7b8a90",
  createdAt: "2026-12-04T18:00:00Z",
  lastSuccessfulAt: "0001-01-01T00:00:00Z",
  inactive: false,
  tlsCert: "",
  skipTLSVerification: false,
};
const check = (method: string, url: string, status: number, body: unknown) => () => dtr.check(method, url, { status, body });

it("accepts DTR's shapes, with extra token fields a Go client ignores", () => {
  expect(check("get", "/api/v0/api_tokens/x", 200, { ...token, role: "user" })).not.toThrow();
  expect(check("get", "/api/v0/api_tokens?pageSize=1", 200, [token])).not.toThrow();
  expect(check("delete", "/api/v0/api_tokens/x", 200, {})).not.toThrow();
  expect(check("post", "/api/v0/webhooks/update", 200, [webhook])).not.toThrow();
});

it("refuses a renamed field, a wrong type, an array for an object and the reverse", () => {
  const { hashedToken, ...rest } = token;
  expect(check("get", "/api/v0/api_tokens/x", 200, { ...rest, hashedTokenId: hashedToken })).toThrow(/required property 'hashedToken'/);
  expect(check("get", "/api/v0/api_tokens/x", 200, { ...token, isActive: "true" })).toThrow(/isActive must be boolean/);
  expect(check("get", "/api/v0/api_tokens/x", 200, [token])).toThrow(/must be object/);
  expect(check("get", "/api/v0/api_tokens", 200, { apiTokens: [token] })).toThrow(/must be array/);
  expect(check("patch", "/api/v0/repositories/ns/repo", 200, { ...webhook })).toThrow(/required property/);
});

it("keeps webhook objects to MSR's ten fields", () => {
  expect(check("post", "/api/v0/webhooks", 201, { ...webhook, secret: "x" })).toThrow(/must NOT have additional properties/);
  expect(check("get", "/api/v0/accounts/ns/webhooks", 200, [{ ...webhook, namespaceId: "x" }])).toThrow(/additional properties/);
});

it("refuses a success status DTR does not give for the operation", () => {
  expect(check("post", "/api/v0/api_tokens", 201, { ...token, token: "t" })).toThrow(/DTR answers 200 here, not 201/);
  expect(check("delete", "/api/v0/api_tokens/x", 204, undefined)).toThrow(/not 204/);
});

it("leaves errors and our own extensions alone", () => {
  expect(check("get", "/api/v0/api_tokens/x", 404, { errors: [{ code: "NO_SUCH_API_TOKEN", message: "m" }] })).not.toThrow();
  expect(check("get", "/api/v0/webhooks/abc/deliveries", 200, { anything: 1 })).not.toThrow();
  expect(check("get", "/enzi/v0/accounts", 200, { accounts: [] })).not.toThrow();
  // The namespace listing at GetRepository's path is pending (a list); a repository there is still checked.
  expect(check("get", "/api/v0/repositories/ns/webhooks", 200, [webhook])).not.toThrow();
  expect(check("get", "/api/v0/repositories/ns/repo", 200, { id: "x" })).toThrow(/required property/);
  // A literal DTR path wins over a template: /webhooks/test is TestWebhook (200, any body), not DeleteWebhook.
  expect(check("post", "/api/v0/webhooks/test", 200, { ok: true })).not.toThrow();
});
