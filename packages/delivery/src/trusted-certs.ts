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
  /** sha256 over the sorted, distinct sha256s of the certificates' DER (each block's body decoded): equal for equal sets. */
  fingerprint: string;
  /** Each distinct certificate once, re-encoded as canonical PEM, in fingerprint order. */
  pems: string[];
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

interface CertificateBlock {
  /** The whole block, BEGIN and END lines included. */
  text: string;
  /** Its body, base64-decoded. */
  der: Buffer;
}

/** The CERTIFICATE blocks of `pem`; throws InvalidTlsCertError when there are none or other blocks. */
function certificateBlocks(pem: string): CertificateBlock[] {
  const blocks = [...pem.matchAll(PEM_BLOCK)];
  const begins = pem.match(/-----BEGIN /g)?.length ?? 0;
  if (blocks.length === 0) {
    throw new InvalidTlsCertError("not PEM: expected one or more -----BEGIN CERTIFICATE----- blocks");
  }
  if (begins !== blocks.length) throw new InvalidTlsCertError("has a PEM block without its matching -----END----- line");
  return blocks.map((block) => {
    const label = block[1] ?? "";
    if (label !== "CERTIFICATE") {
      const hint = label.includes("PRIVATE KEY") ? " (never send a private key here)" : "";
      throw new InvalidTlsCertError(`may hold only CERTIFICATE blocks, found ${label}${hint}`);
    }
    return { text: block[0], der: Buffer.from(block[2] ?? "", "base64") };
  });
}

const sha256 = (data: Buffer | string): string => createHash("sha256").update(data).digest("hex");

/** Distinct DER fingerprints, sorted; and the fingerprint of that list. */
function fingerprintOf(blocks: readonly CertificateBlock[]): { fingerprint: string; each: string[] } {
  const each = blocks.map((block) => sha256(block.der));
  return { fingerprint: sha256([...new Set(each)].sort().join(",")), each };
}

/**
 * The fingerprint parseTrustedCertificates would give, without parsing the certificates (about 20 us
 * per certificate where the parse takes some 270 us): for finding a context already built from valid ones.
 */
export function certificateSetFingerprint(pem: string): string {
  return fingerprintOf(certificateBlocks(pem)).fingerprint;
}

/** Parses PEM certificate(s); throws InvalidTlsCertError saying what is wrong. */
export function parseTrustedCertificates(pem: string): TrustedCertificates {
  const blocks = certificateBlocks(pem);
  const { fingerprint, each } = fingerprintOf(blocks);
  const byFingerprint = new Map<string, string>();
  blocks.forEach((block, index) => {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(block.text);
    } catch {
      throw new InvalidTlsCertError(`certificate #${index + 1} is not a valid X.509 certificate`);
    }
    byFingerprint.set(each[index] ?? "", certificate.toString());
  });
  return { fingerprint, pems: [...byFingerprint.keys()].sort().map((key) => byFingerprint.get(key) ?? "") };
}
