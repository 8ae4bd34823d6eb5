// MPTCP cryptography (RFC 8684 §3.1, §3.2, §3.4.1): each expected value is
// either computed here with node:crypto in a few lines, independently of the
// codec, or was sent by the Linux kernel (6.18, net namespaces on this
// machine, checksums on) and read back from a capture.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import {
  addAddrHmac,
  deriveIdsn,
  deriveToken,
  joinAckHmac,
  joinHmacFull,
  joinSynAckHmac,
  keyDigest,
  type MptcpVersion,
} from '../../suites/mptcp/codec/index.js';
import { hex } from './helpers.js';

const be64 = (k: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(k);
  return b;
};
const be32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

const KEYS = [0n, 1n, 0x1122334455667788n, 0x8a4e550d1c331b7an, 0xffffffffffffffffn, 0x8000000000000000n];

describe('mptcp crypto: token and IDSN (§3.1)', () => {
  for (const version of [1, 0] as MptcpVersion[]) {
    const alg = version === 1 ? 'sha256' : 'sha1';
    for (const key of KEYS) {
      it(`v${version} ${alg} of key ${key.toString(16)}`, () => {
        const digest = createHash(alg).update(be64(key)).digest();
        assert.equal(hex(keyDigest(key, version)), digest.toString('hex'));
        // token: the most significant 32 bits; IDSN: the least significant 64 bits.
        assert.equal(deriveToken(key, version), digest.readUInt32BE(0));
        assert.equal(deriveIdsn(key, version), digest.readBigUInt64BE(digest.length - 8));
      });
    }
  }
});

describe('mptcp crypto: MP_JOIN HMACs (§3.2)', () => {
  const cases = [
    { keyA: 0x0102030405060708n, keyB: 0x1112131415161718n, nonceA: 0x21222324, nonceB: 0x31323334 },
    { keyA: 0xffffffffffffffffn, keyB: 0n, nonceA: 0, nonceB: 0xffffffff },
  ];
  for (const version of [1, 0] as MptcpVersion[]) {
    const alg = version === 1 ? 'sha256' : 'sha1';
    for (const c of cases) {
      it(`v${version} HMAC-${alg.toUpperCase()}, key A ${c.keyA.toString(16)}`, () => {
        // B (the receiver of the MP_JOIN SYN) sends HMAC(KeyB‖KeyA, R_B‖R_A), leftmost 64 bits.
        const b = createHmac(alg, Buffer.concat([be64(c.keyB), be64(c.keyA)]))
          .update(Buffer.concat([be32(c.nonceB), be32(c.nonceA)]))
          .digest();
        // A (the sender of the SYN) sends HMAC(KeyA‖KeyB, R_A‖R_B), leftmost 160 bits.
        const a = createHmac(alg, Buffer.concat([be64(c.keyA), be64(c.keyB)]))
          .update(Buffer.concat([be32(c.nonceA), be32(c.nonceB)]))
          .digest();
        assert.equal(hex(joinSynAckHmac({ ...c, version })), b.subarray(0, 8).toString('hex'));
        assert.equal(hex(joinAckHmac({ ...c, version })), a.subarray(0, 20).toString('hex'));
        assert.equal(hex(joinHmacFull(c.keyA, c.keyB, c.nonceA, c.nonceB, version)), a.toString('hex'));
      });
    }
  }
});

describe('mptcp crypto: ADD_ADDR HMAC (§3.4.1)', () => {
  const mac = (sender: bigint, receiver: bigint, msg: Buffer) =>
    createHmac('sha256', Buffer.concat([be64(sender), be64(receiver)]))
      .update(msg)
      .digest();

  it('IPv4 without a port: message is id ‖ address ‖ 0x0000, the rightmost 64 bits', () => {
    const d = mac(1n, 2n, Buffer.from([3, 192, 0, 2, 1, 0, 0]));
    assert.equal(hex(addAddrHmac({ senderKey: 1n, receiverKey: 2n, addressId: 3, address: '192.0.2.1' })), d.subarray(24).toString('hex'));
    assert.notEqual(hex(addAddrHmac({ senderKey: 1n, receiverKey: 2n, addressId: 3, address: '192.0.2.1' })), d.subarray(0, 8).toString('hex'));
  });

  it('IPv6 with a port', () => {
    const addr = Buffer.from('20010db8000000000000000000000007', 'hex');
    const d = mac(0xaan, 0xbbn, Buffer.concat([Buffer.from([9]), addr, Buffer.from([0x1f, 0x90])]));
    assert.equal(hex(addAddrHmac({ senderKey: 0xaan, receiverKey: 0xbbn, addressId: 9, address: '2001:db8::7', port: 8080 })), d.subarray(24).toString('hex'));
  });
});

/**
 * Values the Linux kernel sent. Two connections between net namespaces, the
 * server announcing 10.77.2.2 (id 5, with port 10200 the second time) and the
 * client joining it from 10.77.2.1 (id 1): A = the client, B = the server.
 */
describe('mptcp crypto: agrees with Linux 6.18', () => {
  const runs = [
    {
      name: 'IPv4 connection, ADD_ADDR without port',
      keyA: 0x8a4e550d1c331b7an,
      keyB: 0x50b9729b616d15d9n,
      tokenB: 0x79ec38b7,
      nonceA: 0x6cdc4c63,
      nonceB: 0xc8e8ae43,
      synAckHmac: '5356da29d6ab63b3',
      ackHmac: '302d31cf7776f2a9d6198b7d077d7f836b63c65f',
      addAddr: { port: undefined, hmac: '4a6d5482db41c970' },
      // The DSN of the first data byte each side sent: its IDSN + 1.
      firstDsnA: 0xff415f180ac5bbaan,
      firstDsnB: 0x8e8894a893af9801n,
    },
    {
      name: 'IPv6 connection, ADD_ADDR with port 10200',
      keyA: 0xac09094d2f270ccdn,
      keyB: 0xdab4639d20540e98n,
      tokenB: 0x68e9e20b,
      nonceA: 0xef3c5de6,
      nonceB: 0x70cbb557,
      synAckHmac: 'c9649e0fb39b8d8a',
      ackHmac: 'ce1f9a3e767fb4dcdfeab0599b6d1720b2c321d7',
      addAddr: { port: 10200, hmac: '4c0e0f3fec81c3ff' },
      firstDsnA: 0xed8fb4a2f4dd0ab5n,
      firstDsnB: undefined,
    },
  ];
  for (const r of runs) {
    it(r.name, () => {
      assert.equal(deriveToken(r.keyB), r.tokenB, "the token in the MP_JOIN SYN is B's");
      assert.equal(hex(joinSynAckHmac(r)), r.synAckHmac);
      assert.equal(hex(joinAckHmac(r)), r.ackHmac);
      const addAddr = addAddrHmac({
        senderKey: r.keyB,
        receiverKey: r.keyA,
        addressId: 5,
        address: '10.77.2.2',
        ...(r.addAddr.port ? { port: r.addAddr.port } : {}),
      });
      assert.equal(hex(addAddr), r.addAddr.hmac, 'the rightmost 64 bits, as RFC 8684 §3.4.1 says (the digest\'s "leftmost" is wrong)');
      assert.equal(deriveIdsn(r.keyA) + 1n, r.firstDsnA);
      if (r.firstDsnB !== undefined) assert.equal(deriveIdsn(r.keyB) + 1n, r.firstDsnB);
    });
  }
});
