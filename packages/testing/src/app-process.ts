// A built app (`node dist/index.js`) as a child process for end-to-end tests: started with only PATH
// and the given environment, its output piped; waited for until it says it started; stopped with
// SIGTERM (SIGKILL if it lingers).
import { spawn, type ChildProcess } from "node:child_process";

/** `node dist/index.js` in `dir`, with PATH and `env` as its whole environment; stdout and stderr piped. */
export function spawnApp(dir: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ["dist/index.js"], { cwd: dir, env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
}

/** SIGTERM, then SIGKILL after 15 s; resolves once the child exited (at once when it already had). */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Polls `started` every 100 ms; when the child exits first or 30 s pass, stops it and throws
 * "`name` did not start (exit N): `output()`".
 */
export async function waitForStart(child: ChildProcess, started: () => boolean, name: string, output: () => string): Promise<void> {
  for (let i = 0; !started(); i++) {
    if (child.exitCode !== null || i > 300) {
      await stopChild(child);
      throw new Error(`${name} did not start (exit ${String(child.exitCode)}): ${output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
