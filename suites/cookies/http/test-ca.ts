/**
 * A test certificate authority made for each run, and the certificates it
 * issues for the hosts the vectors name. Clients are told to trust the CA (its
 * PEM file), or, where a client can only pin keys (Chromium), the SPKI hash of
 * the one key that every host certificate shares.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

export interface HostCredentials {
  key: string;
  cert: string;
}

export class TestCa {
  readonly certPem: string;
  /** base64 SHA-256 of the host certificates' SubjectPublicKeyInfo (for --ignore-certificate-errors-spki-list). */
  readonly hostKeySpki: string;
  private readonly caKey: forge.pki.rsa.PrivateKey;
  private readonly caCert: forge.pki.Certificate;
  private readonly hostKeys: forge.pki.rsa.KeyPair;
  private readonly hostKeyPem: string;
  private readonly issued = new Map<string, HostCredentials>();
  private serial = 1;

  constructor(now = Date.now()) {
    const caKeys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
    this.caKey = caKeys.privateKey;
    this.hostKeys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
    this.hostKeyPem = forge.pki.privateKeyToPem(this.hostKeys.privateKey);
    const cert = forge.pki.createCertificate();
    cert.publicKey = caKeys.publicKey;
    cert.serialNumber = this.nextSerial();
    cert.validity.notBefore = new Date(now - 24 * 3600_000);
    cert.validity.notAfter = new Date(now + 7 * 24 * 3600_000);
    const name = [
      { name: 'commonName', value: `conformatrix test CA ${new Date(now).toISOString()}` },
      // PrintableString characters only (forge's default encoding): no ";" or "_".
      { name: 'organizationName', value: 'conformatrix (made for one run, never trust it elsewhere)' },
    ];
    cert.setSubject(name);
    cert.setIssuer(name);
    cert.setExtensions([
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ]);
    cert.sign(caKeys.privateKey, forge.md.sha256.create());
    this.caCert = cert;
    this.certPem = forge.pki.certificateToPem(cert);
    const spkiDer = forge.asn1.toDer(forge.pki.publicKeyToAsn1(this.hostKeys.publicKey)).getBytes();
    this.hostKeySpki = createHash('sha256').update(Buffer.from(spkiDer, 'binary')).digest('base64');
  }

  private nextSerial(): string {
    return (this.serial++).toString(16).padStart(2, '0');
  }

  /** A certificate for one host name or IP address (cached). */
  forHost(host: string): HostCredentials {
    const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
    const known = this.issued.get(bare);
    if (known) return known;
    const cert = forge.pki.createCertificate();
    cert.publicKey = this.hostKeys.publicKey;
    cert.serialNumber = this.nextSerial();
    cert.validity.notBefore = this.caCert.validity.notBefore;
    cert.validity.notAfter = this.caCert.validity.notAfter;
    cert.setSubject([{ name: 'commonName', value: bare.slice(0, 64) }]);
    cert.setIssuer(this.caCert.subject.attributes);
    const altName = isIP(bare) ? { type: 7, ip: bare } : { type: 2, value: bare };
    // No basicConstraints: forge would encode cA FALSE explicitly, which DER forbids and Chromium rejects.
    cert.setExtensions([
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [altName] },
    ]);
    cert.sign(this.caKey, forge.md.sha256.create());
    const credentials = { key: this.hostKeyPem, cert: forge.pki.certificateToPem(cert) + this.certPem };
    this.issued.set(bare, credentials);
    return credentials;
  }
}
