/**
 * The bundled plant scenario: the committed capture is what build-plant.ts makes from the committed
 * peer recordings; Wireshark sees in it every PDU the recordings and our own conversations put
 * there; otwatch's pipeline counts the same industrial PDUs as Wireshark; and the zone audit
 * against policy.yaml finds the planted violations of expected.json and nothing else.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCaptures, type AnalysisReport } from '../../src/analysis/analyze-captures.js';
import { statsForCaptures, type StatsReport } from '../../src/pipeline/statistics.js';
import { auditStep } from '../../src/analysis/run-audit.js';
import type { Finding } from '../../src/audit/finding.js';
import { buildPlant } from './build-plant.js';
import { PEER_FILES } from './peer-addresses.js';
import { HOSTS, SESSIONS, type AppKind } from './scenario.js';

/** The plant's data (capture, peers, policy) lives in fixtures/plant; this folder holds the code that makes it. */
const here = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/plant');
const PLANT = join(here, 'plant.pcap');
const PEERS = join(here, 'peers');
const POLICY = join(here, 'policy.yaml');

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const tsharkPresent = hasTshark();
if (!tsharkPresent) console.warn('plant.test: tshark not found, skipping the Wireshark comparisons (apt-get install tshark)');

/** PDU-level fields, one aggregated value list per frame (a frame may carry several PDUs). */
const PDU_FIELDS = {
  modbus: 'modbus.func_code',
  s7comm: 's7comm.header.rosctr',
  opcua: 'opcua.transport.type',
  bacnet: 'bacapp.type',
} as const;
type PduProtocol = keyof typeof PDU_FIELDS;
const PDU_PROTOCOLS = Object.keys(PDU_FIELDS) as PduProtocol[];

interface TsharkFrame {
  stream: number | null;
  protocols: string[];
  pdus: Record<PduProtocol, string[]>;
  arpSender: string;
  dnsResponse: boolean;
  httpRequest: boolean;
  sshBanner: boolean;
  rdpNegotiation: boolean;
}

function tsharkFrames(file: string): TsharkFrame[] {
  const fields = [
    'tcp.stream',
    'frame.protocols',
    ...Object.values(PDU_FIELDS),
    'arp.src.proto_ipv4',
    'dns.flags.response',
    'http.request.method',
    'ssh.protocol',
    'rdp.neg_type',
  ];
  const out = execFileSync(
    'tshark',
    ['-r', file, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', ...fields.flatMap((f) => ['-e', f])],
    { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return out
    .split('\n')
    .filter((l) => l.length)
    .map((line) => {
      const c = line.split('\t');
      const list = (s: string | undefined) => (s ? s.split(',') : []);
      return {
        stream: c[0] ? Number(c[0]) : null,
        protocols: list(c[1]).flatMap((p) => p.split(':')),
        pdus: { modbus: list(c[2]), s7comm: list(c[3]), opcua: list(c[4]), bacnet: list(c[5]) },
        arpSender: c[6] ?? '',
        dnsResponse: c[7] === '1' || c[7] === 'True',
        httpRequest: !!c[8],
        sshBanner: !!c[9],
        rdpNegotiation: !!c[10],
      };
    });
}

function countBy(values: string[]): Record<string, number> {
  const m: Record<string, number> = {};
  for (const v of values) m[v] = (m[v] ?? 0) + 1;
  return m;
}

function pduCounts(frames: TsharkFrame[]): Record<PduProtocol, Record<string, number>> {
  return Object.fromEntries(PDU_PROTOCOLS.map((p) => [p, countBy(frames.flatMap((f) => f.pdus[p]))])) as Record<
    PduProtocol,
    Record<string, number>
  >;
}

function addInto(into: Record<string, number>, add: Record<string, number>, times: number): void {
  for (const [k, v] of Object.entries(add)) into[k] = (into[k] ?? 0) + v * times;
}

describe('plant capture build', () => {
  it('rebuilding from peers/*.pcap gives the committed plant.pcap byte for byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plant-'));
    try {
      const rebuilt = join(dir, 'plant.pcap');
      writeFileSync(rebuilt, buildPlant(PEERS));
      const a = readFileSync(rebuilt);
      const b = readFileSync(PLANT);
      expect(a.length).toBe(b.length);
      expect(a.equals(b)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stays small enough to commit', () => {
    const size = readFileSync(PLANT).length;
    expect(size).toBeLessThan(2 * 1024 * 1024);
  });
});

describe.skipIf(!tsharkPresent)('Wireshark sees what the scenario put in the plant', () => {
  let plant: TsharkFrame[];
  beforeAll(() => {
    plant = tsharkFrames(PLANT);
  });

  it('every recorded industrial PDU once per scheduled replay, per function / message type', () => {
    // Expected: the PDUs of each replayed stream (or BACnet frame range) of the recordings, times its replays.
    const peers = {
      modbus: tsharkFrames(join(PEERS, PEER_FILES.modbus)),
      s7: tsharkFrames(join(PEERS, PEER_FILES.s7)),
      opcua: tsharkFrames(join(PEERS, PEER_FILES.opcua)),
      bacnet: tsharkFrames(join(PEERS, PEER_FILES.bacnet)),
    };
    const expected: Record<PduProtocol, Record<string, number>> = { modbus: {}, s7comm: {}, opcua: {}, bacnet: {} };
    for (const s of SESSIONS) {
      if (s.kind === 'peer-tcp') {
        const frames = peers[s.file].filter((f) => f.stream === s.stream);
        expect(frames.length, `${s.file} stream ${s.stream}`).toBeGreaterThan(0);
        const counts = pduCounts(frames);
        for (const p of PDU_PROTOCOLS) addInto(expected[p], counts[p], s.at.length);
      } else if (s.kind === 'peer-bacnet') {
        addInto(expected.bacnet, pduCounts(peers.bacnet.slice(0, s.first ?? peers.bacnet.length)).bacnet, s.at.length);
      }
    }
    const seen = pduCounts(plant);
    for (const p of PDU_PROTOCOLS) {
      expect(Object.keys(seen[p]).length, `${p} present`).toBeGreaterThan(0);
      expect(seen[p], p).toEqual(expected[p]);
    }
    // The interesting operations are there: FC 43, PLC stop, download request, OPC UA Write, BACnet WriteProperty.
    expect(seen.modbus['43']).toBeGreaterThan(0);
    expect(plant.some((f) => f.protocols.includes('s7comm'))).toBe(true);
  });

  it('the conversations we built: DNS, HTTP, SSH, RDP, and ARP from every host', () => {
    const at = (k: AppKind) => SESSIONS.filter((s) => s.kind === k).reduce((n, s) => n + s.at.length, 0);
    const count = (pred: (f: TsharkFrame) => boolean) => plant.filter(pred).length;
    expect(count((f) => f.protocols.includes('dns') && !f.dnsResponse)).toBe(at('dns'));
    expect(count((f) => f.protocols.includes('dns') && f.dnsResponse)).toBe(at('dns'));
    expect(count((f) => f.httpRequest)).toBe(at('http'));
    expect(count((f) => f.sshBanner)).toBe(2 * at('ssh'));
    expect(count((f) => f.rdpNegotiation)).toBe(2 * at('rdp'));
    const arpSenders = new Set(plant.filter((f) => f.protocols.includes('arp')).map((f) => f.arpSender));
    for (const h of HOSTS) expect(arpSenders.has(h.ip), h.ip).toBe(true);
  });

  it('every frame is 802.1Q tagged IPv4 or ARP, and nothing is malformed', () => {
    for (const f of plant) {
      expect(f.protocols[0]).toBe('eth');
      expect(f.protocols).toContain('vlan');
      expect(f.protocols.includes('ip') || f.protocols.includes('arp')).toBe(true);
      expect(f.protocols).not.toContain('_ws.malformed');
    }
  });
});

describe.skipIf(!tsharkPresent)('otwatch stats sees the industrial PDUs Wireshark sees', () => {
  let stats: StatsReport;
  let seen: Record<PduProtocol, Record<string, number>>;
  let frames: number;
  beforeAll(async () => {
    stats = await statsForCaptures([PLANT]);
    const plant = tsharkFrames(PLANT);
    frames = plant.length;
    seen = pduCounts(plant);
  });

  it('packets', () => {
    expect(stats.packets).toBe(frames);
  });

  it('Modbus PDUs per function code', () => {
    const m = stats.modbus as { pdus: number; by_function: Record<string, number> };
    expect(m.by_function).toEqual(seen.modbus);
    expect(m.pdus).toBe(Object.values(seen.modbus).reduce((a, b) => a + b, 0));
  });

  it('S7comm PDUs per ROSCTR', () => {
    const s = stats.s7comm as { pdus: number; by_rosctr: Record<string, number> };
    const bare = Object.fromEntries(Object.entries(s.by_rosctr).filter(([, v]) => v > 0));
    expect(bare).toEqual(seen.s7comm);
  });

  it('OPC UA messages per type', () => {
    const o = stats.opcua as { messages: Record<string, number> };
    const bare = Object.fromEntries(Object.entries(o.messages).filter(([, v]) => v > 0));
    expect(bare).toEqual(seen.opcua);
  });

  it('BACnet APDUs per type', () => {
    const b = stats.bacnet as { apdus: number; by_type: Record<string, number> };
    expect(b.by_type).toEqual(seen.bacnet);
  });
});

// ---------------------------------------------------------------- the zone audit

interface ExpectedFinding {
  rule: string;
  paths?: [string, string, string, number][];
  conduit?: string;
  operation?: string;
  protocol?: string;
  zone?: string;
  asset_ip?: string;
  why: string;
}
interface ExpectedAsset {
  ip?: string;
  ips?: string[];
  role: string;
  macVendor?: string;
  identity?: Record<string, string>;
}
const EXPECTED = JSON.parse(readFileSync(join(here, 'expected.json'), 'utf8')) as { findings: ExpectedFinding[]; assets: ExpectedAsset[] };

const pathText = (p: { initiatorIp: string; responderIp: string; protocol: string; responderPort: number }) =>
  `${p.initiatorIp} > ${p.responderIp} ${p.protocol}/${p.responderPort}`;

function conduitsOf(f: Finding): string[] {
  const head = f.subject.key.split(' ')[0] ?? '';
  return [
    ...new Set([...(f.conduit ? [f.conduit] : []), ...(f.subject.kind === 'conduit' || f.subject.kind === 'flow' ? head.split('+') : [])]),
  ];
}

function matches(e: ExpectedFinding, f: Finding): boolean {
  if (f.rule !== e.rule) return false;
  if (e.paths) {
    const want = e.paths.map(([i, r, proto, port]) => `${i} > ${r} ${proto}/${port}`).sort();
    const got = f.evidence.paths.map(pathText).sort();
    if (JSON.stringify(want) !== JSON.stringify(got)) return false;
  }
  if (e.conduit && !conduitsOf(f).includes(e.conduit)) return false;
  if (e.operation && !(f.evidence.operations.length === 1 && f.evidence.operations[0]!.operation === e.operation)) return false;
  if (e.protocol && !f.evidence.paths.every((p) => p.protocol === e.protocol)) return false;
  if (e.zone && !(f.subject.kind === 'zone' && f.subject.key === e.zone)) return false;
  if (e.asset_ip && !f.subject.label.includes(e.asset_ip)) return false;
  return true;
}

describe('zone audit of the plant against its policy', () => {
  let report: AnalysisReport;
  let findings: Finding[];
  // The analysis runs a day after the capture: the integrator conduit (expired 2025-06-30) is past.
  const now = Date.UTC(2025, 8, 17) / 1000;
  beforeAll(async () => {
    report = await analyzeCaptures([PLANT], { db: ':memory:', policy: POLICY, audit: auditStep(() => now) });
    findings = report.findings as Finding[];
  });
  afterAll(() => undefined);

  for (const e of EXPECTED.findings) {
    const title = `${e.rule} ${e.conduit ?? e.zone ?? e.asset_ip ?? ''} ${e.operation ?? ''} ${(e.paths ?? []).map((p) => `${p[0]}>${p[1]} ${p[2]}`).join(', ')}`;
    it(title, () => {
      const hits = findings.filter((f) => matches(e, f));
      expect(
        hits.length,
        `${e.why}\nfindings of that rule:\n${findings
          .filter((f) => f.rule === e.rule)
          .map((f) => `  ${f.subject.key}: ${f.evidence.paths.map(pathText).join('; ')}`)
          .join('\n')}`,
      ).toBe(1);
    });
  }

  it('no finding beyond the planted ones', () => {
    const unexpected = findings.filter((f) => !EXPECTED.findings.some((e) => matches(e, f)));
    expect(unexpected.map((f) => `${f.rule} ${f.subject.key}: ${f.explanation}`)).toEqual([]);
  });

  it('each device carries the VLAN of the frames it sends, not those of routed peers', () => {
    const multi = report.assets
      .filter((a) => a.role !== 'gateway' && a.vlans.length !== 1)
      .map((a) => `${a.id} ${a.ips.join(',')} vlans ${a.vlans.join(',')}`);
    expect(multi).toEqual([]);
    const router = report.assets.find((a) => a.role === 'gateway');
    expect(router?.vlans.length).toBeGreaterThan(3);
  });

  it('RDP on tcp/3389 is not taken for s7comm (its connection request has no TSAPs)', () => {
    expect(report.paths.filter((p) => p.protocol === 's7comm' && p.responderPort === 3389).map(pathText)).toEqual([]);
  });

  for (const a of EXPECTED.assets) {
    const ips = a.ips ?? [a.ip!];
    it(`asset ${ips.join(',')}: ${a.role}${a.identity ? ' with identity' : ''}`, () => {
      const asset = report.assets.find((x) => ips.every((ip) => x.ips.includes(ip)));
      expect(asset, `no asset with ${ips.join(', ')}`).toBeDefined();
      expect(asset!.role).toBe(a.role);
      if (a.macVendor) expect(asset!.macVendor ?? '').toContain(a.macVendor);
      for (const [attr, value] of Object.entries(a.identity ?? {})) {
        expect(asset!.identity[attr as keyof NonNullable<typeof asset>['identity']]?.value, attr).toBe(value);
      }
    });
  }
});
