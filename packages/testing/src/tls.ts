// Test certificates made in-process: a CA with a loopback leaf it signed, a self-signed cert, and custom leaves.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import forge from "node-forge";

export interface KeyAndCert {
  cert: string;
  key: string;
}

export interface CertificateAuthority {
  caCert: string;
  caKey: string;
}

/** A CA and a leaf it signed for localhost / 127.0.0.1 / ::1, all PEM. */
export interface TestPki extends CertificateAuthority, KeyAndCert {}

export interface LeafOptions {
  /** DNS names or IP literals for the subjectAltName; default localhost, 127.0.0.1, ::1. */
  hosts?: string[];
  notBefore?: Date;
  notAfter?: Date;
}

const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "::1"];
const DAY_MS = 24 * 60 * 60 * 1000;

let cachedPki: TestPki | undefined;
let cachedSelfSigned: KeyAndCert | undefined;

// Node's native RSA key generation takes milliseconds where forge's pure-JS one takes seconds.
function newKeyPair(): forge.pki.rsa.KeyPair {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(":");
}

function newCertificate(publicKey: forge.pki.PublicKey, notBefore: Date, notAfter: Date): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A positive serial: a leading 0x00..0x7f byte keeps the DER integer from reading as negative.
  cert.serialNumber = "01" + randomBytes(15).toString("hex");
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  return cert;
}

function issue(ca: CertificateAuthority, options: LeafOptions = {}): KeyAndCert {
  const caCert = forge.pki.certificateFromPem(ca.caCert);
  const caKey = forge.pki.privateKeyFromPem(ca.caKey);
  const hosts = options.hosts ?? LOOPBACK_HOSTS;
  const now = Date.now();
  const keys = newKeyPair();
  const cert = newCertificate(
    keys.publicKey,
    options.notBefore ?? new Date(now - DAY_MS),
    options.notAfter ?? new Date(now + 365 * DAY_MS),
  );
  cert.setSubject([{ name: "commonName", value: hosts[0] ?? "localhost" }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", critical: true, digitalSignature: true, keyEncipherment: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames: hosts.map((h) => (isIp(h) ? { type: 7, ip: h } : { type: 2, value: h })) },
    { name: "subjectKeyIdentifier" },
    { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) };
}

/** A new CA (10 years, RSA 2048, SHA-256). */
export function generateCertificateAuthority(commonName = "msr-webhooks test CA"): CertificateAuthority {
  const keys = newKeyPair();
  const now = Date.now();
  const cert = newCertificate(keys.publicKey, new Date(now - DAY_MS), new Date(now + 3650 * DAY_MS));
  const subject = [
    { name: "commonName", value: commonName },
    { name: "organizationName", value: "msr-webhooks tests" },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", critical: true, cA: true },
    { name: "keyUsage", critical: true, keyCertSign: true, cRLSign: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { caCert: forge.pki.certificateToPem(cert), caKey: forge.pki.privateKeyToPem(keys.privateKey) };
}

/** A leaf signed by `ca`: pick hosts or validity to provoke name-mismatch or expiry failures. */
export function issueLeafCertificate(ca: CertificateAuthority, options?: LeafOptions): KeyAndCert {
  return issue(ca, options);
}

/** A CA and a loopback leaf it signed; cached per process unless `fresh` is asked for. */
export function getTestPki(options: { fresh?: boolean } = {}): TestPki {
  if (cachedPki && !options.fresh) return cachedPki;
  const ca = generateCertificateAuthority();
  const pki = { ...ca, ...issue(ca) };
  if (!options.fresh || !cachedPki) cachedPki = pki;
  return pki;
}

/** A self-signed loopback certificate (its own issuer, not a CA); cached per process unless `fresh`. */
export function getSelfSignedCert(options: { fresh?: boolean } = {}): KeyAndCert {
  if (cachedSelfSigned && !options.fresh) return cachedSelfSigned;
  const keys = newKeyPair();
  const now = Date.now();
  const cert = newCertificate(keys.publicKey, new Date(now - DAY_MS), new Date(now + 365 * DAY_MS));
  const subject = [{ name: "commonName", value: "localhost" }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", critical: true, digitalSignature: true, keyEncipherment: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: LOOPBACK_HOSTS.map((h) => (isIp(h) ? { type: 7, ip: h } : { type: 2, value: h })),
    },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const pair = { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) };
  if (!options.fresh || !cachedSelfSigned) cachedSelfSigned = pair;
  return pair;
}
