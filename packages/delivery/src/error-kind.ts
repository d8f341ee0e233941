// Maps the errors got and Node raise for a failed attempt onto the recorded ErrorKind.
import type { ErrorKind } from "./attempt-result.js";

const BY_CODE: Readonly<Record<string, ErrorKind>> = {
  ETIMEDOUT: "timeout",
  ESOCKETTIMEDOUT: "timeout",
  ECONNREFUSED: "connection_refused",
  ECONNRESET: "connection_reset",
  EPIPE: "connection_reset",
  ECONNABORTED: "connection_reset",
  ERR_STREAM_PREMATURE_CLOSE: "connection_reset",
  ENOTFOUND: "dns",
  EAI_AGAIN: "dns",
  EAI_FAIL: "dns",
  EAI_NONAME: "dns",
  EAI_NODATA: "dns",
  ENODATA: "dns",
  ESERVFAIL: "dns",
  EREFUSED: "dns",
  EBLOCKED: "blocked",
  ERR_INVALID_URL: "invalid_url",
  ERR_UNSUPPORTED_PROTOCOL: "invalid_url",
  EPROTO: "tls",
  DEPTH_ZERO_SELF_SIGNED_CERT: "tls",
  SELF_SIGNED_CERT_IN_CHAIN: "tls",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "tls",
  UNABLE_TO_GET_ISSUER_CERT: "tls",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "tls",
  CERT_HAS_EXPIRED: "tls",
  CERT_NOT_YET_VALID: "tls",
  CERT_REVOKED: "tls",
  CERT_UNTRUSTED: "tls",
  CERT_REJECTED: "tls",
  CERT_SIGNATURE_FAILURE: "tls",
  HOSTNAME_MISMATCH: "tls",
  INVALID_CA: "tls",
  ERR_TLS_CERT_ALTNAME_INVALID: "tls",
};

// OpenSSL and Node's TLS layer name many more failures than the list above; they share these prefixes.
const TLS_PREFIXES = ["ERR_SSL_", "ERR_TLS_", "CERT_", "SSL_"];

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

function asErrorLike(value: unknown): ErrorLike | undefined {
  return typeof value === "object" && value !== null ? (value as ErrorLike) : undefined;
}

/** The most specific error code in the cause chain (got wraps Node's error). */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let current = asErrorLike(error), depth = 0; current && depth < 5; depth += 1) {
    if (typeof current.code === "string") codes.push(current.code);
    current = asErrorLike(current.cause);
  }
  return codes;
}

function kindOfCode(code: string): ErrorKind | undefined {
  return BY_CODE[code] ?? (TLS_PREFIXES.some((prefix) => code.startsWith(prefix)) ? "tls" : undefined);
}

export function describeError(error: unknown): { kind: ErrorKind; message: string } {
  const errorLike = asErrorLike(error);
  const rawMessage = typeof errorLike?.message === "string" ? errorLike.message : String(error);
  const codes = errorCodes(error);
  let kind: ErrorKind | undefined = errorLike?.name === "TimeoutError" ? "timeout" : undefined;
  for (const code of codes) kind ??= kindOfCode(code);
  // A peer that hangs up mid-handshake (SNI refused, TLS spoken to a non-TLS port) is a TLS problem to fix.
  if (kind === "connection_reset" && /before secure TLS connection/.test(rawMessage)) kind = "tls";
  const code = codes.find((c) => c !== "ERR_GOT_REQUEST_ERROR");
  const message = code && !rawMessage.includes(code) ? `${code}: ${rawMessage}` : rawMessage;
  return { kind: kind ?? "other", message };
}
