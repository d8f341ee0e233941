// The rules on where a webhook may point (MSR contract section 2): an absolute http(s) URL
// without credentials, http:// only with skipTLSVerification, and a tlsCert that really is
// PEM certificate(s). Shared by create, update and test so all three answer alike.
import { X509Certificate } from "node:crypto";
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
    throw invalid("endpoint", `endpoint "${endpoint}" is not an absolute URL, e.g. https://hooks.example.com/path`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw invalid("endpoint", `endpoint must be an http:// or https:// URL, not ${url.protocol}`);
  }
  if (url.hostname === "") throw invalid("endpoint", "endpoint has no host");
  if (url.username !== "" || url.password !== "") {
    throw invalid("endpoint", "endpoint must not contain credentials (user:password@); verify deliveries by their signature");
  }
  if (url.protocol === "http:" && !skipTLSVerification) {
    throw invalid(
      "endpoint",
      "an http:// endpoint is accepted only with skipTLSVerification: true (or use https://)",
    );
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** "" for none (whitespace only counts as none), else the PEM as given. */
export function normalizeTlsCert(tlsCert: string | undefined): string {
  return tlsCert === undefined || tlsCert.trim() === "" ? "" : tlsCert;
}

/** Throws INVALID_WEBHOOK (detail.field "tlsCert") unless tlsCert is "" or PEM certificate(s). */
export function checkTlsCert(tlsCert: string): void {
  if (tlsCert === "") return;
  const blocks = [...tlsCert.matchAll(PEM_BLOCK)];
  const begins = tlsCert.match(/-----BEGIN /g)?.length ?? 0;
  if (blocks.length === 0) {
    throw invalid("tlsCert", "tlsCert is not PEM: expected one or more -----BEGIN CERTIFICATE----- blocks");
  }
  if (begins !== blocks.length) {
    throw invalid("tlsCert", "tlsCert has a PEM block without its matching -----END----- line");
  }
  blocks.forEach((block, index) => {
    const label = block[1] ?? "";
    if (label !== "CERTIFICATE") {
      const hint = label.includes("PRIVATE KEY") ? " (never send a private key here)" : "";
      throw invalid("tlsCert", `tlsCert may hold only CERTIFICATE blocks, found ${label}${hint}`);
    }
    try {
      new X509Certificate(block[0]);
    } catch {
      throw invalid("tlsCert", `tlsCert certificate #${index + 1} is not a valid X.509 certificate`);
    }
  });
}
