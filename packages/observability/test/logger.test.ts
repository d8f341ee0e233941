// The shared logger, as a process writes it: one JSON line per event with level, message, service,
// timestamp and the caller's fields; lines below the level are not written.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { createLogger, errorMessage, LOG_LEVELS } from "../src/logger.js";

const run = promisify(execFile);
const packageDir = path.resolve(import.meta.dirname, "..");

beforeAll(async () => {
  // The child process imports the built module, so build it first.
  const tsc = path.resolve(packageDir, "../../node_modules/typescript/bin/tsc");
  await run(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: packageDir });
});

describe("createLogger", () => {
  it("writes JSON lines with the service, at or above the level", async () => {
    const script = `
      import { createLogger } from "./dist/logger.js";
      const log = createLogger("info", "worker");
      log.debug("hidden", { deliveryId: "d0" });
      log.info("delivered", { deliveryId: "d1", durationMs: 12 });
      log.warn("slow", { deliveryId: "d2" });
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: packageDir });
    const lines = stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: "info", message: "delivered", service: "worker", deliveryId: "d1", durationMs: 12 });
    expect(lines[1]).toMatchObject({ level: "warn", message: "slow", deliveryId: "d2" });
    for (const line of lines) expect(Number.isNaN(Date.parse(String(line.timestamp)))).toBe(false);
  });

  it("keeps the level it was given", () => {
    const log = createLogger("debug", "api");
    expect(log.level).toBe("debug");
    expect(log.defaultMeta).toEqual({ service: "api" });
    expect(LOG_LEVELS).toContain("http");
  });

  it("errorMessage reads Errors and anything else", () => {
    expect(errorMessage(new Error("boom"))).toBe("boom");
    expect(errorMessage("plain")).toBe("plain");
    expect(errorMessage(42)).toBe("42");
  });
});
