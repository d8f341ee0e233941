// cpuOfCommand (cpu-breakdown.ts): a server's CPU between two snapshots keeps what its processes
// that ended meanwhile used (a postgres backend that closed), through its root's reaped children.
// A group's main-thread part (MAIN_THREAD) is shown with it and never counted twice.
// The "server" here is a copy of /bin/sh under a name of its own, whose subshell is a forked child
// of the same name that burns CPU and ends.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { cpuOfCommand, formatBreakdown, MAIN_THREAD, perDelivery } from "./cpu-breakdown.js";
import { cpuMsOf, mainThreadCpuMsOf } from "./proc-stats.js";

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

test("a group's main thread is a part of it: shown with it, not counted again in the machine's rest", () => {
  const before = { machine: 0, worker: 0, [`worker${MAIN_THREAD}`]: 0 };
  const after = { machine: 1000, worker: 600, [`worker${MAIN_THREAD}`]: 400 };
  const per = perDelivery(before, after, 1000);
  // The machine's 1,000 ms less the worker's 600: 400 µs a delivery elsewhere, whatever the part says.
  assert.equal(per.other, 400);
  assert.equal(formatBreakdown(per), "machine 1000, worker 600 (main thread 400), other 400");
});

test("the main thread's CPU of a live Node.js process is read, and is within the process's", async () => {
  // The main thread spins until it is killed; the process's other threads (V8's, libuv's) add to the process's total only.
  const child = spawn(process.execPath, ["-e", "for (;;);"], { stdio: "ignore" });
  try {
    const pid = child.pid as number;
    const deadline = Date.now() + 30_000;
    let main = mainThreadCpuMsOf(pid) ?? 0;
    while (main < 200) {
      assert.ok(Date.now() < deadline && child.exitCode === null, `the spinning child's main thread read ${main} ms of CPU in 30 s`);
      await sleep(20);
      main = mainThreadCpuMsOf(pid) ?? 0;
    }
    const whole = cpuMsOf(pid) ?? 0;
    assert.ok(main <= whole, `main thread ${main} ms, process ${whole} ms`);
  } finally {
    child.kill();
    await once(child, "exit");
  }
  assert.equal(mainThreadCpuMsOf(child.pid as number), null);
});
