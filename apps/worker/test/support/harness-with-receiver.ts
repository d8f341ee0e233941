// One test file's harness (its own database and queue prefix) and loopback receiver: made before
// the file's own beforeAll runs (this registers first) and closed, receiver first, after its last test.
import { startReceiver, type Receiver, type ReceiverOptions } from "@msr-webhooks/testing/receiver";
import { createHarness, type Harness } from "./harness.js";

export interface HarnessWithReceiver {
  h: Harness;
  receiver: Receiver;
}

/**
 * Call at the top of a test file, before its own beforeAll; the fields are set once that runs.
 * `env`: the harness's worker environment on top of its defaults; `receiver`: how the receiver answers.
 */
export function useHarnessWithReceiver(options: { env?: Record<string, string>; receiver?: ReceiverOptions } = {}): HarnessWithReceiver {
  const world = {} as HarnessWithReceiver;
  beforeAll(async () => {
    world.h = await createHarness(options.env);
    world.receiver = await startReceiver(options.receiver);
  });
  afterAll(async () => {
    await world.receiver.close();
    await world.h.close();
  });
  return world;
}
