// Standard Webhooks signing: secrets, the three signature headers, and a verifier for our own tests and tools.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const SECRET_PREFIX = "whsec_";

/** Default tolerance of the Standard Webhooks reference libraries (5 minutes). */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

export interface SignatureHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

export interface SignatureInput {
  /** The delivery's id: stable across retries, the receiver's dedupe key. */
  msgId: string;
  /** Unix seconds. */
  timestamp: number;
  /** The exact bytes sent, as a string: signing a re-serialization would break verification. */
  body: string;
  /** Every secret currently signing (during rotation: new and old). */
  secrets: readonly string[];
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** `whsec_` + base64 of 32 random bytes (the spec allows 24-64). */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString("base64");
}

/** The HMAC key of a secret: the bytes its base64 part decodes to (as the reference libraries do). */
export function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  // Node's base64 decoder skips junk silently; a malformed secret must fail loudly instead of signing
  // with a key no receiver holds.
  if (!BASE64.test(encoded) || encoded.length % 4 !== 0) {
    throw new Error("signing secret is not valid base64");
  }
  const key = Buffer.from(encoded, "base64");
  if (key.length === 0) throw new Error("signing secret is empty");
  return key;
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` for one secret. */
export function sign(secret: string, msgId: string, timestamp: number, body: string): string {
  const mac = createHmac("sha256", secretKey(secret)).update(`${msgId}.${timestamp}.${body}`, "utf8").digest("base64");
  return `v1,${mac}`;
}

export function signatureHeaders(input: SignatureInput): SignatureHeaders {
  const { msgId, timestamp, body, secrets } = input;
  if (secrets.length === 0) throw new Error("at least one signing secret is required");
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new Error("timestamp must be a non-negative integer of unix seconds");
  }
  // The id ends up in a header and in the signed string; a '.' or whitespace would make it ambiguous.
  if (msgId.length === 0 || /[\s.]/.test(msgId)) throw new Error("msgId must be non-empty without '.' or whitespace");
  return {
    "webhook-id": msgId,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": secrets.map((secret) => sign(secret, msgId, timestamp, body)).join(" "),
  };
}

export interface VerifyInput {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  secret: string;
  toleranceSeconds?: number;
  /** Unix seconds; defaults to the clock. */
  now?: number;
}

/** True when one of the `v1` signatures matches `secret` and the timestamp is within tolerance. */
export function verifySignature(input: VerifyInput): boolean {
  const header = (name: string): string | undefined => {
    const key = Object.keys(input.headers).find((k) => k.toLowerCase() === name);
    const value = key === undefined ? undefined : input.headers[key];
    return Array.isArray(value) ? value[0] : value;
  };
  const msgId = header("webhook-id");
  const timestampText = header("webhook-timestamp");
  const signatures = header("webhook-signature");
  if (!msgId || !timestampText || !signatures || !/^\d+$/.test(timestampText)) return false;
  const timestamp = Number(timestampText);
  const now = input.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(sign(input.secret, msgId, timestamp, input.body));
  return signatures.split(" ").some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
