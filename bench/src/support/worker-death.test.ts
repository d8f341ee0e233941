// watched() and DeathWatch (worker-death.ts): a death fails the waits on it at once, and a wait that
// settles leaves nothing subscribed (Promise.race left one reaction per wait for the process's life).
import assert from "node:assert/strict";
import { test } from "node:test";
import { DeathWatch, watched } from "./worker-death.js";

test("a settled wait leaves no listener behind, however many there were", async () => {
  const death = new DeathWatch();
  for (let i = 0; i < 10_000; i += 1) assert.equal(await watched(Promise.resolve(i), [death]), i);
  await assert.rejects(watched(Promise.reject(new Error("boom")), [death]), /boom/);
  assert.equal(death.size, 0);
});

test("a death fails the waits on it at once, and every wait after it", async () => {
  const death = new DeathWatch();
  const never = new Promise<number>(() => undefined);
  const pending = watched(never, [new DeathWatch(), death]);
  death.die(new Error("worker 1 exited"));
  await assert.rejects(pending, /worker 1 exited/);
  await assert.rejects(watched(never, [death]), /worker 1 exited/);
  assert.equal(death.size, 0);
});

test("a process dies once: a second death tells no one", async () => {
  const death = new DeathWatch();
  const heard: string[] = [];
  death.onDeath((err) => heard.push(err.message));
  death.die(new Error("first"));
  death.die(new Error("second"));
  assert.deepEqual(heard, ["first"]);
});
