// describeError: codes that loopback tests cannot provoke on demand still map to the right kind.
import { describeError } from "../src/error-kind.js";

function errorWithCode(code: string, message = "boom"): Error {
  return Object.assign(new Error(message), { code });
}

describe("describeError", () => {
  it.each([
    ["EAI_AGAIN", "dns"],
    ["ENOTFOUND", "dns"],
    ["EPIPE", "connection_reset"],
    ["ECONNRESET", "connection_reset"],
    ["ECONNREFUSED", "connection_refused"],
    ["ETIMEDOUT", "timeout"],
    ["CERT_HAS_EXPIRED", "tls"],
    ["SELF_SIGNED_CERT_IN_CHAIN", "tls"],
    ["ERR_SSL_WRONG_VERSION_NUMBER", "tls"],
    ["EBLOCKED", "blocked"],
    ["EHOSTUNREACH", "other"],
  ])("%s is %s", (code, kind) => {
    expect(describeError(errorWithCode(code)).kind).toBe(kind);
  });

  it("looks through got's wrapper to the Node error it caused by", () => {
    const wrapped = Object.assign(new Error("request failed", { cause: errorWithCode("EAI_AGAIN") }), {
      code: "ERR_GOT_REQUEST_ERROR",
    });
    expect(describeError(wrapped)).toEqual({ kind: "dns", message: "EAI_AGAIN: request failed" });
  });

  it("treats any TimeoutError as a timeout and keeps a message that already names the code", () => {
    const timeout = Object.assign(new Error("Timeout awaiting 'request' for 50ms"), { name: "TimeoutError" });
    expect(describeError(timeout)).toEqual({ kind: "timeout", message: "Timeout awaiting 'request' for 50ms" });
    expect(describeError(errorWithCode("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1"))).toEqual({
      kind: "connection_refused",
      message: "connect ECONNREFUSED 127.0.0.1:1",
    });
  });

  it("counts a hang-up during the TLS handshake as tls", () => {
    const reset = errorWithCode(
      "ECONNRESET",
      "Client network socket disconnected before secure TLS connection was established",
    );
    expect(describeError(reset).kind).toBe("tls");
    expect(describeError(errorWithCode("ECONNRESET", "socket hang up")).kind).toBe("connection_reset");
  });

  it("falls back to other for non-errors", () => {
    expect(describeError("weird")).toEqual({ kind: "other", message: "weird" });
  });
});
