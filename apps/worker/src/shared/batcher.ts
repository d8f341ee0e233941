// Group commit for small statements: the first request runs at once; requests that arrive while
// a flush is in flight wait and go together in the next one. No added latency when idle, large
// batches (one round trip, one commit) under load. A failed batch is replayed item by item, so one
// bad item fails alone.

export type BatchFn<In, Out> = (inputs: In[]) => Promise<Out[]>;

export interface BatcherOptions {
  maxBatch: number;
  maxInFlight: number;
  /** How long a batch short of maxBatch may wait for company before it goes (0: never waits). */
  lingerMs?: number;
}

interface Pending<In, Out> {
  input: In;
  resolve: (out: Out) => void;
  reject: (err: unknown) => void;
}

export class Batcher<In, Out> {
  private readonly queue: Pending<In, Out>[] = [];
  private inFlight = 0;
  private lingering: NodeJS.Timeout | undefined;

  constructor(
    private readonly run: BatchFn<In, Out>,
    private readonly options: BatcherOptions,
  ) {}

  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    const linger = this.options.lingerMs ?? 0;
    if (linger > 0 && this.queue.length > 0 && this.queue.length < this.options.maxBatch && this.inFlight < this.options.maxInFlight) {
      this.lingering ??= setTimeout(() => {
        this.lingering = undefined;
        this.drain();
      }, linger);
      return;
    }
    this.drain();
  }

  private drain(): void {
    if (this.lingering !== undefined) {
      clearTimeout(this.lingering);
      this.lingering = undefined;
    }
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight += 1;
      this.flush(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async flush(batch: Pending<In, Out>[]): Promise<void> {
    try {
      const outs = await this.run(batch.map((b) => b.input));
      batch.forEach((b, i) => b.resolve(outs[i] as Out));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]?.reject(err);
        return;
      }
      await Promise.all(
        batch.map(async (b) => {
          try {
            const [out] = await this.run([b.input]);
            b.resolve(out as Out);
          } catch (itemErr) {
            b.reject(itemErr);
          }
        }),
      );
    }
  }
}
