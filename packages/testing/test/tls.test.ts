// The generated certificates must be what real TLS clients accept (or reject) for the stated reasons.
import { X509Certificate } from "node:crypto";
import https from "node:https";
import type { AddressInfo } from "node:net";
import tls from "node:tls";
import {
  generateCertificateAuthority,
  getSelfSignedCert,
  getTestPki,
  issueLeafCertificate,
  type KeyAndCert,
} from "../src/tls.js";

async function withServer<T>(pair: KeyAndCert, run: (port: number) => Promise<T>): Promise<T> {
  const server = https.createServer(pair, (_req, res) => res.end("ok"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    return await run((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Resolves to "authorized" or the TLS error code the client saw. */
function handshake(port: number, options: tls.ConnectionOptions): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ port, host: "127.0.0.1", ...options }, () => {
      socket.destroy();
      resolve("authorized");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe("getTestPki", () => {
  it("makes a CA and a leaf it signed, with loopback SANs", () => {
    const pki = getTestPki();
    const ca = new X509Certificate(pki.caCert);
    const leaf = new X509Certificate(pki.cert);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1");
    expect(leaf.checkHost("localhost")).toBe("localhost");
    expect(leaf.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(leaf.checkIP("::1")).toBe("::1");
    expect(pki.key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(pki.caKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
  });

  it("is cached per process, and a fresh one is different without replacing the cache", () => {
    const first = getTestPki();
    expect(getTestPki()).toBe(first);
    const fresh = getTestPki({ fresh: true });
    expect(fresh.caCert).not.toBe(first.caCert);
    expect(fresh.cert).not.toBe(first.cert);
    expect(getTestPki()).toBe(first);
  });

  it("is trusted by a TLS client given the CA, and refused without it", async () => {
    const pki = getTestPki();
    await withServer(pki, async (port) => {
      expect(await handshake(port, { ca: pki.caCert, servername: "localhost" })).toBe("authorized");
      expect(await handshake(port, { ca: pki.caCert })).toBe("authorized");
      expect(await handshake(port, {})).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
      expect(await handshake(port, { ca: getTestPki({ fresh: true }).caCert })).toBe(
        "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      );
    });
  });
});

describe("issueLeafCertificate", () => {
  const ca = generateCertificateAuthority("other test CA");

  it("can make an expired leaf", async () => {
    const expired = issueLeafCertificate(ca, {
      notBefore: new Date(Date.now() - 3 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    await withServer(expired, async (port) => {
      expect(await handshake(port, { ca: ca.caCert })).toBe("CERT_HAS_EXPIRED");
    });
  });

  it("can make a leaf for other names, which fails the host check on loopback", async () => {
    const elsewhere = issueLeafCertificate(ca, { hosts: ["example.test", "10.1.2.3"] });
    expect(new X509Certificate(elsewhere.cert).subjectAltName).toBe("DNS:example.test, IP Address:10.1.2.3");
    await withServer(elsewhere, async (port) => {
      expect(await handshake(port, { ca: ca.caCert })).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
      expect(await handshake(port, { ca: ca.caCert, servername: "example.test" })).toBe("authorized");
    });
  });
});

describe("getSelfSignedCert", () => {
  it("is its own issuer, refused unless trusted explicitly, and cached", async () => {
    const self = getSelfSignedCert();
    const cert = new X509Certificate(self.cert);
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.ca).toBe(false);
    expect(getSelfSignedCert()).toBe(self);
    expect(getSelfSignedCert({ fresh: true }).cert).not.toBe(self.cert);
    await withServer(self, async (port) => {
      expect(await handshake(port, {})).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
      expect(await handshake(port, { ca: self.cert })).toBe("authorized");
      expect(await handshake(port, { rejectUnauthorized: false })).toBe("authorized");
    });
  });
});
