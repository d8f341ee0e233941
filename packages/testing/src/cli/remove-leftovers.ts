// `node dist/cli/remove-leftovers.js`: the test script's first step (see leftovers.ts).
import { removeTestLeftovers } from "../leftovers.js";

const report = await removeTestLeftovers();
if (!report.removed) {
  process.stdout.write("another test process is running (it holds the test-run lease): earlier runs' leftovers kept\n");
  process.exit(0);
}
const kept = report.databasesInUse.length > 0 ? `; kept ${report.databasesInUse.length} in use: ${report.databasesInUse.join(", ")}` : "";
process.stdout.write(
  `removed test leftovers: ${report.databasesDropped.length} databases, ${report.keysDeleted} Redis keys${kept}\n`,
);
