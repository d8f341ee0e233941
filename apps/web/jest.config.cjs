// End-to-end tests (test/*.test.ts): a real Chromium against the real API, worker, PostgreSQL,
// Redis and a loopback receiver. Console-only logic has Vitest tests next to it (src/**/*.test.ts).
module.exports = { ...require("../../jest.preset.cjs"), testMatch: ["<rootDir>/test/**/*.test.ts"] };
