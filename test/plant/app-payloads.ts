/**
 * Payloads of the non-industrial conversations we build ourselves (DNS, HTTP, SSH, RDP), in their
 * real wire formats so that Wireshark recognises them. Encrypted parts (SSH after the key exchange
 * init, RDP after TLS starts) are opaque bytes from a seeded generator: the audit only needs to see
 * who talks to whom on which port, and the same seed gives the same bytes on every build.
 */
import { mulberry32 } from '../../bench/gen/rng.js';

/** Deterministic bytes (mulberry32, low byte of each draw): the same seed, the same bytes. */
export function seededBytes(seed: number, length: number): Buffer {
  const r = mulberry32(seed);
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = Math.floor(r() * 4294967296) & 0xff;
  return b;
}

// ---------------------------------------------------------------- DNS (RFC 1035)

const DNS_TYPE_A = 1;
const DNS_CLASS_IN = 1;

function qname(name: string): Buffer {
  const parts = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')]));
  return Buffer.concat([...parts, Buffer.from([0])]);
}

/** A standard query for the A record of `name`, recursion desired. */
export function dnsQuery(id: number, name: string): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(0x0100, 2); // RD
  h.writeUInt16BE(1, 4); // QDCOUNT
  const q = Buffer.alloc(4);
  q.writeUInt16BE(DNS_TYPE_A, 0);
  q.writeUInt16BE(DNS_CLASS_IN, 2);
  return Buffer.concat([h, qname(name), q]);
}

/** The answer to dnsQuery: the question echoed, one A record pointing back at it by compression. */
export function dnsAnswer(id: number, name: string, ip: string, ttl = 3600): Buffer {
  const query = dnsQuery(id, name);
  query.writeUInt16BE(0x8180, 2); // QR, RD, RA, NOERROR
  query.writeUInt16BE(1, 6); // ANCOUNT
  const rr = Buffer.alloc(16);
  rr.writeUInt16BE(0xc00c, 0); // name: pointer to the question at offset 12
  rr.writeUInt16BE(DNS_TYPE_A, 2);
  rr.writeUInt16BE(DNS_CLASS_IN, 4);
  rr.writeUInt32BE(ttl, 6);
  rr.writeUInt16BE(4, 10);
  ip.split('.').forEach((d, i) => (rr[12 + i] = Number(d)));
  return Buffer.concat([query, rr]);
}

// ---------------------------------------------------------------- HTTP/1.1

export function httpGet(host: string, path: string, agent: string): Buffer {
  return Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${agent}\r\nAccept: application/json\r\nConnection: close\r\n\r\n`,
    'ascii',
  );
}

export function httpOk(body: string, server: string): Buffer {
  const b = Buffer.from(body, 'utf8');
  return Buffer.concat([
    Buffer.from(
      `HTTP/1.1 200 OK\r\nServer: ${server}\r\nContent-Type: application/json\r\nContent-Length: ${b.length}\r\nConnection: close\r\n\r\n`,
      'ascii',
    ),
    b,
  ]);
}

// ---------------------------------------------------------------- SSH (RFC 4253)

export function sshBanner(software: string): Buffer {
  return Buffer.from(`SSH-2.0-${software}\r\n`, 'ascii');
}

const SSH_MSG_KEXINIT = 20;
const SSH_MSG_NEWKEYS = 21;
const SSH_MSG_KEX_ECDH_INIT = 30;
const SSH_MSG_KEX_ECDH_REPLY = 31;

function sshString(b: Buffer | string): Buffer {
  const v = typeof b === 'string' ? Buffer.from(b, 'ascii') : b;
  const h = Buffer.alloc(4);
  h.writeUInt32BE(v.length, 0);
  return Buffer.concat([h, v]);
}

/** A binary packet (RFC 4253 section 6): length, padding length, payload, padding to a multiple of 8. */
function sshBinaryPacket(payload: Buffer, seed: number): Buffer {
  let padding = 8 - ((payload.length + 5) % 8);
  if (padding < 4) padding += 8;
  const h = Buffer.alloc(5);
  h.writeUInt32BE(1 + payload.length + padding, 0);
  h[4] = padding;
  return Buffer.concat([h, payload, seededBytes(seed, padding)]);
}

/** SSH_MSG_KEXINIT with the algorithm lists of a current OpenSSH (curve25519, ed25519, chacha20/AES-GCM). */
export function sshKexInit(seed: number): Buffer {
  const lists = [
    'curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,diffie-hellman-group14-sha256',
    'ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256',
    'chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com',
    'chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com',
    'hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com',
    'hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com',
    'none,zlib@openssh.com',
    'none,zlib@openssh.com',
    '',
    '',
  ];
  const payload = Buffer.concat([
    Buffer.from([SSH_MSG_KEXINIT]),
    seededBytes(seed, 16),
    ...lists.map((l) => sshString(l)),
    Buffer.from([0, 0, 0, 0, 0]),
  ]);
  return sshBinaryPacket(payload, seed + 1);
}

/** SSH_MSG_KEX_ECDH_INIT: the client's ephemeral curve25519 key (RFC 5656 section 4). */
export function sshEcdhInit(seed: number): Buffer {
  return sshBinaryPacket(Buffer.concat([Buffer.from([SSH_MSG_KEX_ECDH_INIT]), sshString(seededBytes(seed, 32))]), seed + 1);
}

/** SSH_MSG_KEX_ECDH_REPLY: ed25519 host key, the server's ephemeral key, the exchange-hash signature. */
export function sshEcdhReply(seed: number): Buffer {
  const hostKey = Buffer.concat([sshString('ssh-ed25519'), sshString(seededBytes(seed, 32))]);
  const signature = Buffer.concat([sshString('ssh-ed25519'), sshString(seededBytes(seed + 1, 64))]);
  const payload = Buffer.concat([
    Buffer.from([SSH_MSG_KEX_ECDH_REPLY]),
    sshString(hostKey),
    sshString(seededBytes(seed + 2, 32)),
    sshString(signature),
  ]);
  return sshBinaryPacket(payload, seed + 3);
}

export function sshNewKeys(seed: number): Buffer {
  return sshBinaryPacket(Buffer.from([SSH_MSG_NEWKEYS]), seed);
}

/** A packet after NEWKEYS: encrypted, so opaque bytes of a plausible size (length, payload, MAC tag). */
export function sshEncrypted(seed: number, length: number): Buffer {
  return seededBytes(seed, length);
}

// ---------------------------------------------------------------- RDP (MS-RDPBCGR over X.224, RFC 1006 TPKT)

function tpkt(body: Buffer): Buffer {
  const h = Buffer.from([3, 0, 0, 0]);
  h.writeUInt16BE(4 + body.length, 2);
  return Buffer.concat([h, body]);
}

const X224_CONNECTION_REQUEST = 0xe0;
const X224_CONNECTION_CONFIRM = 0xd0;
const RDP_NEG_REQ = 0x01;
const RDP_NEG_RSP = 0x02;
const PROTOCOL_HYBRID = 0x03; // TLS + CredSSP (NLA)

/** X.224 Connection Request with the mstshash cookie and an RDP Negotiation Request for TLS/NLA. */
export function rdpConnectionRequest(user: string): Buffer {
  const cookie = Buffer.from(`Cookie: mstshash=${user}\r\n`, 'ascii');
  const neg = Buffer.alloc(8);
  neg[0] = RDP_NEG_REQ;
  neg.writeUInt16LE(8, 2);
  neg.writeUInt32LE(PROTOCOL_HYBRID, 4);
  const x224 = Buffer.concat([Buffer.from([0, X224_CONNECTION_REQUEST, 0, 0, 0, 0, 0]), cookie, neg]);
  x224[0] = x224.length - 1; // length indicator: the header after this byte
  return tpkt(x224);
}

export function rdpConnectionConfirm(): Buffer {
  const neg = Buffer.alloc(8);
  neg[0] = RDP_NEG_RSP;
  neg[1] = 0x1f; // flags: extended client data, graphics pipeline, restricted admin, redirected auth
  neg.writeUInt16LE(8, 2);
  neg.writeUInt32LE(PROTOCOL_HYBRID, 4);
  const x224 = Buffer.concat([Buffer.from([0, X224_CONNECTION_CONFIRM, 0, 0, 0x12, 0x34, 0]), neg]);
  x224[0] = x224.length - 1;
  return tpkt(x224);
}

/** A TLS 1.2 application-data record of opaque bytes (what follows the RDP TLS upgrade). */
export function tlsRecord(seed: number, length: number): Buffer {
  const h = Buffer.from([0x17, 0x03, 0x03, 0, 0]);
  h.writeUInt16BE(length, 3);
  return Buffer.concat([h, seededBytes(seed, length)]);
}
