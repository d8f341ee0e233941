/// <reference types="jest" />
// A describe block for what needs a tool the machine may lack (pgbouncer, redis-server): it runs
// where the tool is, and elsewhere the report shows one skipped test saying what is missing.

/** `describe` when `available`; otherwise `describe.skip`, with a skipped test named `skipped` registered first. */
export function describeWhen(available: boolean, skipped: string): jest.Describe {
  if (!available) test.skip(skipped, () => undefined);
  return available ? describe : describe.skip;
}
