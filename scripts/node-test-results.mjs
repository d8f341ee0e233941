// A node:test reporter that writes the run's counts in jest's JSON shape (.node-test-results.json in
// the working directory), so scripts/sum-test-results.mjs counts node:test suites (bench/) too.
import { writeFileSync } from "node:fs";

export default async function* reporter(source) {
  let passed = 0;
  let failed = 0;
  for await (const event of source) {
    // Suites report too (details.type "suite"): only tests are counted, as jest counts them.
    if (event.data?.details?.type === "suite") continue;
    if (event.type === "test:pass") passed += 1;
    if (event.type === "test:fail") failed += 1;
  }
  writeFileSync(".node-test-results.json", JSON.stringify({ numPassedTests: passed, numFailedTests: failed, numFailedTestSuites: 0 }));
  yield `node:test: ${passed} passed, ${failed} failed\n`;
}
