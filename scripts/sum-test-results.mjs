// Adds up the JSON results every package wrote (jest's .jest-results.json; Vitest's
// .vitest-results.json and node:test's .node-test-results.json, written by
// scripts/node-test-results.mjs, have jest's fields) and prints one
// closing line that CI can read: "Tests: N passed, N failed".
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
let passed = 0;
let failed = 0;
let suitesFailed = 0;
const dirs = ["bench", ...["apps", "packages"].flatMap((group) => readdirSync(path.join(root, group)).map((name) => path.join(group, name)))];
for (const dir of dirs) {
  for (const results of [".jest-results.json", ".vitest-results.json", ".node-test-results.json"]) {
    const file = path.join(root, dir, results);
    if (!existsSync(file)) continue;
    const r = JSON.parse(readFileSync(file, "utf8"));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    suitesFailed += r.numFailedTestSuites;
  }
}
if (suitesFailed > 0 && failed === 0) failed = suitesFailed;
console.log(`Tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
