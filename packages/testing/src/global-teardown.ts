// Jest globalTeardown for every package: lets the test-run lease go (see run-lease.ts).
import { heldLease } from "./global-setup.js";

export default async function globalTeardown(): Promise<void> {
  await heldLease()?.end();
}
