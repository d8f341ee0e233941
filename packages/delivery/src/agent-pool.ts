// Keep-alive agents, one per TLS configuration, so a custom CA or skipped verification applies to its endpoints only.
import { createHash } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import tls from "node:tls";

export interface TlsSettings {
  tlsCert?: string | null;
  skipTLSVerification?: boolean;
}

export class AgentPool {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgents = new Map<string, https.Agent>();

  constructor(private readonly lookup: LookupFunction | undefined) {
    this.httpAgent = new http.Agent({ keepAlive: true, ...(lookup ? { lookup } : {}) });
  }

  agentsFor(settings: TlsSettings): { http: http.Agent; https: https.Agent } {
    return { http: this.httpAgent, https: this.httpsAgent(settings) };
  }

  destroy(): void {
    this.httpAgent.destroy();
    for (const agent of this.httpsAgents.values()) agent.destroy();
    this.httpsAgents.clear();
  }

  private httpsAgent({ tlsCert, skipTLSVerification }: TlsSettings): https.Agent {
    const skip = skipTLSVerification === true;
    const cert = !skip && tlsCert ? tlsCert : undefined;
    const key = skip ? "insecure" : cert ? `ca:${createHash("sha256").update(cert).digest("hex")}` : "system";
    let agent = this.httpsAgents.get(key);
    if (!agent) {
      agent = new https.Agent({
        keepAlive: true,
        rejectUnauthorized: !skip,
        // Built once per agent: parsing the ~150 system roots on every new connection would cost more than the
        // handshake. The endpoint's cert is trusted in addition to the system roots, not instead of them.
        ...(cert ? { secureContext: tls.createSecureContext({ ca: [...tls.rootCertificates, cert] }) } : {}),
        ...(this.lookup ? { lookup: this.lookup } : {}),
      });
      this.httpsAgents.set(key, agent);
    }
    return agent;
  }
}
