// Every bench script runs through runBench(): whatever it created (databases, Redis keys, child
// processes) is registered here and removed at the end, also after a failure or Ctrl-C.

type Cleanup = () => Promise<void> | void;

const cleanups: Cleanup[] = [];

/** Registers a cleanup; returns a function that runs it now (once) and unregisters it. */
export function onCleanup(fn: Cleanup): () => Promise<void> {
  cleanups.push(fn);
  return async () => {
    const i = cleanups.indexOf(fn);
    if (i === -1) return;
    cleanups.splice(i, 1);
    await fn();
  };
}

async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) {
    const fn = cleanups.pop() as Cleanup;
    try {
      await fn();
    } catch (err) {
      process.stderr.write(`cleanup failed: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
}

export function runBench(name: string, body: () => Promise<void>): void {
  let interrupted = false;
  const interrupt = (signal: string) => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\n${name}: ${signal}, cleaning up\n`);
    void runCleanups().then(() => process.exit(130));
  };
  process.on("SIGINT", () => interrupt("SIGINT"));
  process.on("SIGTERM", () => interrupt("SIGTERM"));
  body()
    .then(async () => {
      await runCleanups();
      process.exit(0);
    })
    .catch(async (err: unknown) => {
      process.stderr.write(`${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      await runCleanups();
      process.exit(1);
    });
}
