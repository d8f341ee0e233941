// Keep-alive agents, one per TLS configuration, so a custom CA or skipped verification applies to its
// endpoints only. Agents for an endpoint's own tlsCert are keyed by the certificates it parses to (not
// by its text) and kept in a bounded LRU: the least recently used is evicted, its connections closed and
// its TLS context freed. With a bound of 0 nothing is kept: each send gets an agent and context of its
// own, freed when the send ends (the API's one-off test calls, which would rarely find one to reuse).
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { ContextLedger, OwnedContextAgent, trustContext } from "./tls-agent.js";
import { certificateSetFingerprint, parseTrustedCertificates } from "./trusted-certs.js";

export interface TlsSettings {
  tlsCert?: string | null;
  skipTLSVerification?: boolean;
}

export interface AgentPoolOptions {
  lookup?: LookupFunction;
  /** Agents (each with its TLS context) kept for endpoints' own certificates; 0 keeps none. */
  maxTlsContexts: number;
}

export interface LeasedAgents {
  http: http.Agent;
  https: https.Agent;
  /** Call once when the send is over: a context no longer kept is freed once its connections close. */
  release(): void;
}

/** TLS contexts of endpoints' own certificates: kept in the cache, and built but not yet freed. */
export interface TlsContextCounts {
  cached: number;
  open: number;
  created: number;
}

const NOTHING_TO_RELEASE = (): void => undefined;

export class AgentPool {
  private readonly httpAgent: http.Agent;
  private readonly systemAgent: https.Agent;
  private readonly insecureAgent: https.Agent;
  /** Insertion order is recency: the first entry is the least recently used. */
  private readonly trusted = new Map<string, OwnedContextAgent>();
  private readonly ledger = new ContextLedger();
  private readonly lookup: { lookup?: LookupFunction };

  constructor(private readonly options: AgentPoolOptions) {
    this.lookup = options.lookup ? { lookup: options.lookup } : {};
    this.httpAgent = new http.Agent({ keepAlive: true, ...this.lookup });
    this.systemAgent = new https.Agent({ keepAlive: true, ...this.lookup });
    this.insecureAgent = new https.Agent({ keepAlive: true, rejectUnauthorized: false, ...this.lookup });
  }

  /** Throws InvalidTlsCertError when tlsCert (and verification is on) is not PEM certificate(s). */
  agentsFor({ tlsCert, skipTLSVerification }: TlsSettings): LeasedAgents {
    if (skipTLSVerification === true) return { http: this.httpAgent, https: this.insecureAgent, release: NOTHING_TO_RELEASE };
    if (!tlsCert || tlsCert.trim() === "") return { http: this.httpAgent, https: this.systemAgent, release: NOTHING_TO_RELEASE };
    const oneOff = this.options.maxTlsContexts <= 0;
    const agent = oneOff ? this.newAgent(tlsCert, false) : this.cachedAgent(tlsCert);
    agent.acquire();
    // A one-off agent is retired at once: its connection is not pooled, and its context is freed on release.
    if (oneOff) agent.retire();
    let released = false;
    return {
      http: this.httpAgent,
      https: agent,
      release: () => {
        if (released) return;
        released = true;
        agent.release();
      },
    };
  }

  /** Agents (each holding one TLS context) kept for endpoints' own certificates. */
  size(): number {
    return this.trusted.size;
  }

  counts(): TlsContextCounts {
    return { cached: this.trusted.size, open: this.ledger.open(), created: this.ledger.created };
  }

  destroy(): void {
    this.httpAgent.destroy();
    this.systemAgent.destroy();
    this.insecureAgent.destroy();
    for (const agent of this.trusted.values()) agent.destroy();
    this.trusted.clear();
  }

  private newAgent(tlsCert: string, keepAlive: boolean): OwnedContextAgent {
    // Parsed (and so validated) only here, to build the context.
    const secureContext = trustContext(parseTrustedCertificates(tlsCert).pems);
    return new OwnedContextAgent({ keepAlive, secureContext, ...this.lookup }, this.ledger);
  }

  private cachedAgent(tlsCert: string): OwnedContextAgent {
    // Found by the cheap fingerprint; a certificate set is parsed only to build its context.
    const fingerprint = certificateSetFingerprint(tlsCert);
    let agent = this.trusted.get(fingerprint);
    if (agent) {
      this.trusted.delete(fingerprint);
    } else {
      agent = this.newAgent(tlsCert, true);
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
