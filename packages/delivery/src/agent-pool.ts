// Keep-alive agents, one per TLS configuration, so a custom CA or skipped verification applies to its
// endpoints only. Agents for an endpoint's own tlsCert are keyed by the certificates it parses to (not
// by its text) and kept in a bounded LRU: the least recently used is evicted and its connections closed.
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { certificateSetFingerprint, parseTrustedCertificates } from "./trusted-certs.js";

export interface TlsSettings {
  tlsCert?: string | null;
  skipTLSVerification?: boolean;
}

export interface AgentPoolOptions {
  lookup?: LookupFunction;
  /** Agents (each with its TLS context) kept for endpoints' own certificates. */
  maxTlsContexts: number;
}

/** An agent that, once retired, pools no more sockets: in-flight requests finish, then their sockets close. */
class PooledHttpsAgent extends https.Agent {
  private retired = false;

  retire(): void {
    this.retired = true;
    for (const sockets of Object.values(this.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
  }

  override keepSocketAlive(socket: Duplex): boolean {
    if (this.retired) return false;
    // Node's Agent answers whether the socket may be pooled; its typings say void.
    return (super.keepSocketAlive(socket) as unknown) !== false;
  }
}

interface NativeSecureContext {
  addCACert?: (pem: string) => void;
}

/**
 * The system roots plus `pems`. Adding to a context that starts from the shared root store copies only
 * references to the parsed roots (about 50 KB, 1 ms); passing the roots as `ca` would parse all of them
 * again for every context (about 1 MB, 50 ms). The public route is the fallback should Node drop the method.
 */
function trustContext(pems: readonly string[]): tls.SecureContext {
  const context = tls.createSecureContext();
  const native = context.context as NativeSecureContext | undefined;
  if (typeof native?.addCACert !== "function") {
    return tls.createSecureContext({ ca: [...tls.rootCertificates, ...pems] });
  }
  for (const pem of pems) native.addCACert(pem);
  return context;
}

export class AgentPool {
  private readonly httpAgent: http.Agent;
  private readonly systemAgent: https.Agent;
  private readonly insecureAgent: https.Agent;
  /** Insertion order is recency: the first entry is the least recently used. */
  private readonly trusted = new Map<string, PooledHttpsAgent>();

  constructor(private readonly options: AgentPoolOptions) {
    const lookup = options.lookup ? { lookup: options.lookup } : {};
    this.httpAgent = new http.Agent({ keepAlive: true, ...lookup });
    this.systemAgent = new https.Agent({ keepAlive: true, ...lookup });
    this.insecureAgent = new https.Agent({ keepAlive: true, rejectUnauthorized: false, ...lookup });
  }

  /** Throws InvalidTlsCertError when tlsCert (and verification is on) is not PEM certificate(s). */
  agentsFor(settings: TlsSettings): { http: http.Agent; https: https.Agent } {
    return { http: this.httpAgent, https: this.httpsAgent(settings) };
  }

  /** Agents (each holding one TLS context) kept for endpoints' own certificates. */
  size(): number {
    return this.trusted.size;
  }

  destroy(): void {
    this.httpAgent.destroy();
    this.systemAgent.destroy();
    this.insecureAgent.destroy();
    for (const agent of this.trusted.values()) agent.destroy();
    this.trusted.clear();
  }

  private httpsAgent({ tlsCert, skipTLSVerification }: TlsSettings): https.Agent {
    if (skipTLSVerification === true) return this.insecureAgent;
    if (!tlsCert || tlsCert.trim() === "") return this.systemAgent;
    // Found by the cheap fingerprint; a certificate set is parsed (and so validated) only to build its context.
    const fingerprint = certificateSetFingerprint(tlsCert);
    let agent = this.trusted.get(fingerprint);
    if (agent) {
      this.trusted.delete(fingerprint);
    } else {
      agent = new PooledHttpsAgent({
        keepAlive: true,
        secureContext: trustContext(parseTrustedCertificates(tlsCert).pems),
        ...(this.options.lookup ? { lookup: this.options.lookup } : {}),
      });
      while (this.trusted.size > 0 && this.trusted.size >= this.options.maxTlsContexts) this.evictOldest();
    }
    this.trusted.set(fingerprint, agent);
    return agent;
  }

  private evictOldest(): void {
    const oldest = this.trusted.entries().next();
    if (oldest.done === true) return;
    const [fingerprint, agent] = oldest.value;
    this.trusted.delete(fingerprint);
    agent.retire();
  }
}
