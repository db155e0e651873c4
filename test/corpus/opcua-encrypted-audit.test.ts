/**
 * Encrypted OPC UA is not a forbidden operation (issue 18 item 10). In open62541's client-server_encrypted capture a
 * client talks to one server over a None channel (GetEndpoints) and a SignAndEncrypt channel (Basic128Rsa15) whose
 * four MSG bodies nobody on the wire can read. On a conduit that allows read, browse, subscribe, session and
 * discovery, those bodies must not be reported as a disallowed operation: the audit says once, as a low finding,
 * that the operations on that flow cannot be verified from the network, and puts no cap on the SL-A for it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCaptures } from '../../src/analysis/analyze-captures.js';
import { runAudit } from '../../src/analysis/run-audit.js';
import { gapTable } from '../../src/audit/gap.js';
import { loadPolicyText } from '../../src/audit/policy-load.js';
import { Store } from '../../src/store/store.js';
import { corpusAvailable, corpusPath } from '../helpers/corpus.js';

const POLICY = `version: 1
name: OPC UA over a restricted conduit
zones:
  - { id: clients, name: Clients, level: 2, sl_t: 2, members: [{ cidr: "::1/128" }] }
  - { id: servers, name: Servers, level: 1, sl_t: 2, members: [{ cidr: "::2/128" }] }
conduits:
  - id: ua
    name: OPC UA, reads and subscriptions only
    between: [clients, servers]
    flows:
      - { protocol: opcua, initiator: clients, operations: { allow: [read, browse, subscribe, session, discovery] } }
`;

/**
 * The capture was taken on loopback (pcapng, BSD null link, IPv6 ::1 at both ends): a policy cannot put client and
 * server in two zones. This gives the server (port 4840) the address ::2, byte for byte in place; nothing here checks
 * TCP checksums, as Wireshark by default does not.
 */
function serverOnItsOwnAddress(file: string): Buffer {
  const b = Buffer.from(readFileSync(file));
  for (let off = 0; off + 12 <= b.length;) {
    const type = b.readUInt32LE(off);
    const len = b.readUInt32LE(off + 4);
    if (type === 6) {
      const pkt = off + 28; // EPB: packet data after the 28-octet block head
      const v6 = pkt + 4; // the null link's 4-octet address family
      if (b[v6]! >> 4 === 6 && b[v6 + 6] === 6) {
        const tcp = v6 + 40;
        if (b.readUInt16BE(tcp) === 4840) b[v6 + 8 + 15] = 2; // source address ::1 → ::2
        if (b.readUInt16BE(tcp + 2) === 4840) b[v6 + 24 + 15] = 2; // destination address
      }
    }
    if (len < 12) break;
    off += len;
  }
  return b;
}

describe.skipIf(!corpusAvailable)('encrypted OPC UA on a conduit with an operation list', () => {
  it('reports the encrypted bodies as not verifiable, never as ZC-OPERATION-NOT-ALLOWED', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otwatch-ua-'));
    const capture = join(dir, 'encrypted.pcapng');
    writeFileSync(capture, serverOnItsOwnAddress(corpusPath('opcua/icsnpp-opcua-binary__open62541_client-server_encrypted.pcap')));
    const store = new Store(':memory:');
    try {
      const r = await analyzeCaptures([capture], { store });
      const ua = r.paths.find((p) => p.protocol === 'opcua')!;
      // the decoder names what it cannot read: four SignAndEncrypt MSG bodies
      expect(ua.operations.encrypted?.count).toBe(4);
      expect(ua.operations.other).toBeUndefined();
      expect(ua.facts.security_mode).toEqual(['None', 'SignAndEncrypt']);
      expect([ua.initiatorIp, ua.responderIp]).toEqual(['::1', '::2']);
      const loaded = loadPolicyText(POLICY);
      expect(loaded.ok).toBe(true);
      if (!loaded.ok) return;
      const audit = runAudit(store, { policy: loaded.policy }, { now: ua.lastSeen + 1 });
      const rules = audit.findings.map((f) => f.rule);
      expect(rules).not.toContain('ZC-OPERATION-NOT-ALLOWED');
      const unverifiable = audit.findings.filter((f) => f.rule === 'ZC-OPERATIONS-UNVERIFIABLE');
      expect(unverifiable).toHaveLength(1);
      expect(unverifiable[0]).toMatchObject({ severity: 'low', conduit: 'ua' });
      expect(unverifiable[0]!.explanation).toMatch(
        /^4 encrypted opcua message\(s\) on conduit 'ua' \(1 path\(s\)\): their operations cannot be verified/,
      );
      // the None channel is still cleartext on an SL-T 2 conduit; the encrypted one adds no cap of its own
      const caps = gapTable(loaded.policy, audit.findings).filter((g) =>
        g.evidence.some((e) => e.startsWith('ZC-OPERATIONS-UNVERIFIABLE')),
      );
      expect(caps).toEqual([]);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
