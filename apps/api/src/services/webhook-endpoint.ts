// The rules on where a webhook may point (MSR contract section 2): an absolute http(s) URL
// (user:password@ allowed: sent as Basic auth, as MSR's Go client does), http:// only with
// skipTLSVerification, a host the outbound address policy does not refuse, and a tlsCert that
// really is PEM certificate(s) of bounded size.
// Shared by create, update and test so all three answer alike.
import { InvalidUserinfoError, splitCredentials } from "@msr-webhooks/delivery/endpoint-credentials";
import type { EndpointScreen } from "@msr-webhooks/delivery/endpoint-screen";
import { InvalidTlsCertError, parseTrustedCertificates } from "@msr-webhooks/delivery/trusted-certs";
import { ApiError } from "../errors.js";

const invalid = (field: string, message: string): ApiError => new ApiError("INVALID_WEBHOOK", message, { field });

function hasSpaceOrControl(s: string): boolean {
  if (/\s/.test(s)) return true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Throws INVALID_WEBHOOK (detail.field "endpoint") unless the endpoint is acceptable. */
export function checkEndpoint(endpoint: string, skipTLSVerification: boolean): void {
  // URL() silently trims and drops tabs/newlines; a stored endpoint must be exactly what is called.
  if (hasSpaceOrControl(endpoint)) {
    throw invalid("endpoint", "endpoint must not contain whitespace or control characters");
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    // Not a URL, so its password cannot be told apart: the message does not quote it.
    throw invalid("endpoint", "endpoint is not an absolute URL, e.g. https://hooks.example.com/path");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw invalid("endpoint", `endpoint must be an http:// or https:// URL, not ${url.protocol}`);
  }
  if (url.hostname === "") throw invalid("endpoint", "endpoint has no host");
  try {
    // Credentials are sent as Basic auth; only an escape Go's url.Parse would refuse is an error here.
    splitCredentials(url);
  } catch (err) {
    if (err instanceof InvalidUserinfoError) throw invalid("endpoint", err.message);
    throw err;
  }
  if (url.protocol === "http:" && !skipTLSVerification) {
    throw invalid(
      "endpoint",
      "an http:// endpoint is accepted only with skipTLSVerification: true (or use https://)",
    );
  }
}

/** "" for none (whitespace only counts as none), else the PEM as given. */
export function normalizeTlsCert(tlsCert: string | undefined): string {
  return tlsCert === undefined || tlsCert.trim() === "" ? "" : tlsCert;
}

export interface WebhookEndpointLimits {
  /** Largest tlsCert accepted, in UTF-8 bytes (WEBHOOK_TLS_CERT_MAX_BYTES). */
  tlsCertMaxBytes: number;
}

/** The rules that need configuration: the tlsCert limit, and the outbound address policy's screening. */
export class WebhookEndpointRules {
  constructor(
    private readonly screenHost: EndpointScreen,
    private readonly limits: WebhookEndpointLimits,
  ) {}

  /**
   * Throws INVALID_WEBHOOK (detail.field "endpoint", detail.rule the policy's rule) when the endpoint's
   * host is an address the outbound policy refuses, or a name resolving to one. Call after checkEndpoint.
   */
  async screen(endpoint: string): Promise<void> {
    const verdict = await this.screenHost(new URL(endpoint).hostname);
    if (verdict.refused) {
      throw new ApiError(
        "INVALID_WEBHOOK",
        `endpoint host ${verdict.message}: refused by the outbound address policy (rule ${verdict.rule})`,
        { field: "endpoint", rule: verdict.rule },
      );
    }
  }

  /** Throws INVALID_WEBHOOK (detail.field "tlsCert") unless tlsCert is "" or PEM certificate(s) within the limit. */
  checkTlsCert(tlsCert: string): void {
    if (tlsCert === "") return;
    const bytes = Buffer.byteLength(tlsCert, "utf8");
    if (bytes > this.limits.tlsCertMaxBytes) {
      throw invalid("tlsCert", `tlsCert is ${bytes} bytes; at most ${this.limits.tlsCertMaxBytes} are accepted`);
    }
    try {
      parseTrustedCertificates(tlsCert);
    } catch (err) {
      if (err instanceof InvalidTlsCertError) throw invalid("tlsCert", `tlsCert ${err.message}`);
      throw err;
    }
  }
}
