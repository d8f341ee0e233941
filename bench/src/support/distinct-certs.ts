// Many distinct self-signed certificates, made before a measurement so that their cost is not counted:
// one RSA key signs them all (a new key each would take minutes), and each has its own subject and
// serial, so each has its own DER and so its own fingerprint: a TLS context of its own in the client.
import { generateKeyPairSync } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import forge from "node-forge";

const DAY_MS = 24 * 60 * 60 * 1000;

/** `count` certificates, kept in the temporary directory for the next run (making 1,000 takes minutes here). */
export function distinctSelfSignedCerts(count: number): string[] {
  const file = path.join(os.tmpdir(), `msrwh-bench-certs-${count}.json`);
  if (existsSync(file)) {
    const kept = JSON.parse(readFileSync(file, "utf8")) as unknown;
    if (Array.isArray(kept) && kept.length === count && kept.every((c) => typeof c === "string")) return kept as string[];
  }
  const certs = makeCerts(count);
  writeFileSync(file, JSON.stringify(certs));
  return certs;
}

function makeCerts(count: number): string[] {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const key = forge.pki.privateKeyFromPem(privateKey.export({ type: "pkcs1", format: "pem" }).toString()) as forge.pki.rsa.PrivateKey;
  const publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const cert = forge.pki.createCertificate();
    cert.publicKey = publicKey;
    cert.serialNumber = `01${i.toString(16).padStart(12, "0")}`;
    cert.validity.notBefore = new Date(now - DAY_MS);
    cert.validity.notAfter = new Date(now + 365 * DAY_MS);
    const subject = [{ name: "commonName", value: `bench ${i}` }];
    cert.setSubject(subject);
    cert.setIssuer(subject);
    cert.sign(key, forge.md.sha256.create());
    return forge.pki.certificateToPem(cert);
  });
}
