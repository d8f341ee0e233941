// Shared jest settings: TypeScript through SWC as native ESM (run with --experimental-vm-modules).
// The workspace's one timeout policy lives here: every test and hook gets TEST_TIMEOUT_MS, and the
// helpers that wait (receivers, polling) give up well before it, naming what they waited for.
const TEST_TIMEOUT_MS = 120_000;

module.exports = {
  testEnvironment: "node",
  testTimeout: TEST_TIMEOUT_MS,
  extensionsToTreatAsEsm: [".ts"],
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "es6" } },
    ],
  },
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  testMatch: ["<rootDir>/src/**/*.test.ts", "<rootDir>/test/**/*.test.ts"],
};

