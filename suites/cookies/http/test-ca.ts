/**
 * A test certificate authority made for each run, and the certificates it
 * issues for the hosts the vectors name. Clients are told to trust the CA (its
 * PEM file), or, where a client can only pin keys (Chromium), the SPKI hash of
 * the one key that every host certificate shares.
 *
 * Issuing must not stall the origin server, which serves every target from one
 * event loop: node-forge builds the certificate (cheap), and the RSA signature,
 * the costly part (tens of ms in forge's JavaScript), is made by Node's crypto
 * on libuv's thread pool. Keys are made once per run, by Node's crypto too.
 */
import { createHash, createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

/**
 * The validity window of the CA and of every host certificate: fixed, and wide
 * enough for every clock a vector may set (clock.start, plus its advances;
 * 1994 to 2070 today), because a client whose clock is faked (libfaketime)
 * checks the certificates at that clock. 1970 is the earliest time a Unix
 * clock shows; 2100 leaves room past the two-digit-year vectors of 2069-2070.
 * The window is wide, but the CA is made for one run and its key never leaves
 * the runner's memory.
 */
export const VALIDITY = { notBefore: new Date(Date.UTC(1970, 0, 1)), notAfter: new Date(Date.UTC(2100, 0, 1)) };

export interface HostCredentials {
  key: string;
  cert: string;
}

/** An RSA key pair made by Node's crypto, in both forms the CA needs. */
function rsaKeyPair(): { forge: forge.pki.rsa.KeyPair; pem: string; key: KeyObject } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
  const forgeKey = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { forge: { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) }, pem, key: createPrivateKey(pem) };
}

export class TestCa {
  readonly certPem: string;
  /** base64 SHA-256 of the host certificates' SubjectPublicKeyInfo (for --ignore-certificate-errors-spki-list). */
  readonly hostKeySpki: string;
  /** Host certificates signed so far (each issue() signs once; callers cache). */
  signatures = 0;
  private readonly caKey: KeyObject;
  private readonly caCert: forge.pki.Certificate;
  private readonly hostKeys: forge.pki.rsa.KeyPair;
  private readonly hostKeyPem: string;
  private serial = 1;

  constructor(now = Date.now()) {
    const caKeys = rsaKeyPair();
    this.caKey = caKeys.key;
    const hostKeys = rsaKeyPair();
    this.hostKeys = hostKeys.forge;
    this.hostKeyPem = hostKeys.pem;
    const cert = forge.pki.createCertificate();
    cert.publicKey = caKeys.forge.publicKey;
    cert.serialNumber = this.nextSerial();
    cert.validity.notBefore = VALIDITY.notBefore;
    cert.validity.notAfter = VALIDITY.notAfter;
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
    cert.sign(caKeys.forge.privateKey, forge.md.sha256.create());
    this.caCert = cert;
    this.certPem = forge.pki.certificateToPem(cert);
    const spkiDer = forge.asn1.toDer(forge.pki.publicKeyToAsn1(this.hostKeys.publicKey)).getBytes();
    this.hostKeySpki = createHash('sha256').update(Buffer.from(spkiDer, 'binary')).digest('base64');
  }

  private nextSerial(): string {
    return (this.serial++).toString(16).padStart(2, '0');
  }

  /**
   * A new certificate for one host name or IP address (no cache: the origin
   * server keeps a bounded one). Only the building runs on the caller's thread;
   * the signature is made on the thread pool.
   */
  async issue(host: string): Promise<HostCredentials> {
    const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
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
    // What forge's cert.sign() does, with the RSA step handed to Node (sha256WithRSAEncryption, PKCS #1 v1.5).
    cert.signatureOid = cert.siginfo.algorithmOid = forge.pki.oids['sha256WithRSAEncryption']!;
    const tbs = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
    const tbsDer = Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary');
    const signature = await new Promise<Buffer>((resolve, reject) => sign('sha256', tbsDer, this.caKey, (err, sig) => (err ? reject(err) : resolve(sig))));
    cert.tbsCertificate = tbs;
    cert.signature = signature.toString('binary');
    this.signatures++;
    return { key: this.hostKeyPem, cert: forge.pki.certificateToPem(cert) + this.certPem };
  }
}
