// A keep-alive HTTPS agent that owns its TLS context: once retired it pools no more connections, and when
// its last connection has closed it frees the context's native memory (the OpenSSL context and its copy
// of the trust store, some 30 to 60 KB). V8 does not see that memory, so left to the garbage collector a
// dropped context can stay for a long time, and a thousand of them add tens of MB to the process.
import https from "node:https";
import type { Duplex } from "node:stream";
import tls from "node:tls";

interface NativeSecureContext {
  addCACert?: (pem: string) => void;
  close?: () => void;
}

/**
 * The system roots plus `pems`. Adding to a context that starts from the shared root store copies only
 * references to the parsed roots (about 50 KB, 1 ms); passing the roots as `ca` would parse all of them
 * again for every context (about 1 MB, 50 ms). The public route is the fallback should Node drop the method.
 */
export function trustContext(pems: readonly string[]): tls.SecureContext {
  const context = tls.createSecureContext();
  const native = context.context as NativeSecureContext | undefined;
  if (typeof native?.addCACert !== "function") {
    return tls.createSecureContext({ ca: [...tls.rootCertificates, ...pems] });
  }
  for (const pem of pems) native.addCACert(pem);
  return context;
}

/** Counts the TLS contexts that agents have built and not yet freed. */
export class ContextLedger {
  created = 0;
  freed = 0;

  /** Contexts built and not yet freed. */
  open(): number {
    return this.created - this.freed;
  }
}

export class OwnedContextAgent extends https.Agent {
  private retired = false;
  private freed = false;
  /** Sends that were handed this agent and have not finished: got opens its connection a tick later. */
  private leases = 0;
  private readonly sockets_ = new Set<Duplex>();
  private readonly context: tls.SecureContext;

  constructor(
    options: https.AgentOptions & { secureContext: tls.SecureContext },
    private readonly ledger: ContextLedger,
  ) {
    super(options);
    this.context = options.secureContext;
    ledger.created += 1;
  }

  override createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    // Never true while sends lease the agent; but a freed context must not reach a socket: Node aborts on it.
    if (this.freed) throw new Error("this endpoint's TLS context was already freed");
    const socket = super.createConnection(options, callback);
    if (socket) {
      this.sockets_.add(socket);
      socket.once("close", () => {
        this.sockets_.delete(socket);
        this.freeWhenIdle();
      });
    }
    return socket;
  }

  /** A send takes the agent; the context is not freed before every send has released it. */
  acquire(): void {
    this.leases += 1;
  }

  release(): void {
    this.leases -= 1;
    this.freeWhenIdle();
  }

  /** Pools no more connections: idle ones close now, in-flight requests finish; then the context is freed. */
  retire(): void {
    this.retired = true;
    for (const sockets of Object.values(this.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    this.freeWhenIdle();
  }

  /** Closes every connection now; the context is freed once they have closed. */
  override destroy(): void {
    this.retired = true;
    super.destroy();
    this.freeWhenIdle();
  }

  override keepSocketAlive(socket: Duplex): boolean {
    if (this.retired) return false;
    // Node's Agent answers whether the socket may be pooled; its typings say void.
    return (super.keepSocketAlive(socket) as unknown) !== false;
  }

  private freeWhenIdle(): void {
    if (!this.retired || this.freed || this.leases > 0 || this.sockets_.size > 0) return;
    this.freed = true;
    this.ledger.freed += 1;
    // After the current turn, so that nothing still unwinding from a socket's close reads the context.
    setImmediate(() => (this.context.context as NativeSecureContext | undefined)?.close?.());
  }
}
