// cpuOfCommand (cpu-breakdown.ts): a server's CPU between two snapshots keeps what its processes
// that ended meanwhile used (a postgres backend that closed), through its root's reaped children.
// The "server" here is a copy of /bin/sh under a name of its own, whose subshell is a forked child
// of the same name that burns CPU and ends.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { cpuOfCommand } from "./cpu-breakdown.js";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test("a child that ended between two snapshots keeps its CPU in the second", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "cpu-breakdown-"));
  // /proc/<pid>/comm holds at most 15 characters.
  const name = `cpuprobe${process.pid % 1_000_000}`;
  const shell = path.join(dir, name);
  copyFileSync("/bin/sh", shell);
  chmodSync(shell, 0o755);
  const server = spawn(shell, ["-c", "(i=0; while [ $i -lt 2000000 ]; do i=$((i+1)); done); echo ended; read x"], {
    stdio: ["pipe", "pipe", "ignore"],
  });
  try {
    let ended = false;
    server.stdout.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ended")) ended = true;
    });
    // A snapshot while the child runs, once it has used some CPU.
    let during = cpuOfCommand(name);
    while (during.rest < 100 && !ended) {
      await sleep(20);
      during = cpuOfCommand(name);
    }
    assert.equal(ended, false, "the child ended before a snapshot saw it running: make its loop longer");
    while (!ended) await sleep(20);
    const after = cpuOfCommand(name);
    assert.ok(after.rest >= during.rest, `after the child ended: ${after.rest} ms, while it ran: ${during.rest} ms`);
  } finally {
    server.stdin.end();
    if (server.exitCode === null) await once(server, "exit");
    rmSync(dir, { recursive: true, force: true });
  }
});
