// An endpoint's tlsCert parsed: the PEM CERTIFICATE blocks it holds, each a valid X.509 certificate, and
// a fingerprint of the set that is the same however the PEM is laid out (line endings, whitespace, order,
// repeats, text around the blocks). The API validates tlsCert with it; the agent pool keys TLS contexts by it.
import { createHash, X509Certificate } from "node:crypto";

export class InvalidTlsCertError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidTlsCertError";
  }
}

export interface TrustedCertificates {
  /** sha256 over the sorted, distinct DER encodings: equal for equal certificate sets. */
  fingerprint: string;
  /** Each distinct certificate once, re-encoded as canonical PEM, in fingerprint order. */
  pems: string[];
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** Parses PEM certificate(s); throws InvalidTlsCertError saying what is wrong. */
export function parseTrustedCertificates(pem: string): TrustedCertificates {
  const blocks = [...pem.matchAll(PEM_BLOCK)];
  const begins = pem.match(/-----BEGIN /g)?.length ?? 0;
  if (blocks.length === 0) {
    throw new InvalidTlsCertError("not PEM: expected one or more -----BEGIN CERTIFICATE----- blocks");
  }
  if (begins !== blocks.length) throw new InvalidTlsCertError("has a PEM block without its matching -----END----- line");
  const byFingerprint = new Map<string, string>();
  blocks.forEach((block, index) => {
    const label = block[1] ?? "";
    if (label !== "CERTIFICATE") {
      const hint = label.includes("PRIVATE KEY") ? " (never send a private key here)" : "";
      throw new InvalidTlsCertError(`may hold only CERTIFICATE blocks, found ${label}${hint}`);
    }
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(block[0]);
    } catch {
      throw new InvalidTlsCertError(`certificate #${index + 1} is not a valid X.509 certificate`);
    }
    byFingerprint.set(createHash("sha256").update(certificate.raw).digest("hex"), certificate.toString());
  });
  const fingerprints = [...byFingerprint.keys()].sort();
  return {
    fingerprint: createHash("sha256").update(fingerprints.join(",")).digest("hex"),
    pems: fingerprints.map((fingerprint) => byFingerprint.get(fingerprint) ?? ""),
  };
}
