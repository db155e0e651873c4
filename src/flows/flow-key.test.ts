import { describe, expect, it } from 'vitest';
import { peekIpv4FlowHash, sourceIsLo, tupleHash } from './flow-key.js';
import { decodeFrame, Frame, FrameKind } from '../net/frame.js';
import { ethernet, ipv4, tcp, udp } from '../../bench/gen/packets.js';
import { readCapture } from '../capture/index.js';
import { corpusAvailable, corpusCaptures, corpusPath } from '../../test/helpers/corpus.js';

/** The flow table's hash of a decoded frame (flow-table.ts keys IPv4 flows with it). */
function decodedHash(f: Frame): number {
  return sourceIsLo(f.src4, f.dst4, f.srcPort, f.dstPort)
    ? tupleHash(f.src4 | 0, f.dst4 | 0, (f.srcPort << 16) | f.dstPort, f.l4proto)
    : tupleHash(f.dst4 | 0, f.src4 | 0, (f.dstPort << 16) | f.srcPort, f.l4proto);
}

const A = '00:00:00:00:00:0a';
const B = '00:00:00:00:00:0b';

describe('peekIpv4FlowHash', () => {
  it('gives both directions of a flow the hash the flow table gives the decoded frame, in place in a larger buffer', () => {
    const f = new Frame();
    for (const frame of [
      ethernet(B, A, 0x0800, ipv4('10.0.0.1', '10.0.0.2', 6, tcp(50000, 502, 1, 0, 0x18, Buffer.from('x')))),
      ethernet(A, B, 0x0800, ipv4('10.0.0.2', '10.0.0.1', 6, tcp(502, 50000, 1, 0, 0x18, Buffer.from('y')))),
      ethernet(B, A, 0x0800, ipv4('192.168.200.1', '10.0.0.2', 17, udp(47808, 47808, Buffer.from('z')))),
    ]) {
      const buf = Buffer.concat([Buffer.alloc(7, 0xff), frame, Buffer.alloc(5, 0xff)]);
      expect(decodeFrame(1, buf, 7, 7 + frame.length, 0, f)).toBe(FrameKind.Transport);
      expect(peekIpv4FlowHash(buf, 7, 7 + frame.length)).toBe(decodedHash(f));
    }
    const a = ethernet(B, A, 0x0800, ipv4('10.0.0.1', '10.0.0.2', 6, tcp(50000, 502, 1, 0, 0x18)));
    const b = ethernet(A, B, 0x0800, ipv4('10.0.0.2', '10.0.0.1', 6, tcp(502, 50000, 1, 0, 0x10)));
    expect(peekIpv4FlowHash(a, 0, a.length)).toBe(peekIpv4FlowHash(b, 0, b.length));
  });

  it('leaves to a full decode what is not plain IPv4 TCP/UDP: VLAN, fragments, ICMP, IPv6, short frames', () => {
    const seg = tcp(50000, 502, 1, 0, 0x18);
    const cases = [
      ethernet(B, A, 0x0800, ipv4('10.0.0.1', '10.0.0.2', 6, seg), [{ vid: 10 }]),
      ethernet(B, A, 0x0800, ipv4('10.0.0.1', '10.0.0.2', 6, seg, { moreFragments: true })),
      ethernet(B, A, 0x0800, ipv4('10.0.0.1', '10.0.0.2', 6, seg, { fragOffset: 8 })),
      ethernet(B, A, 0x0800, ipv4('10.0.0.1', '10.0.0.2', 1, Buffer.alloc(8))),
      ethernet(B, A, 0x86dd, Buffer.alloc(60)),
    ];
    for (const frame of cases) expect(peekIpv4FlowHash(frame, 0, frame.length)).toBe(-1);
    const whole = cases[3];
    expect(peekIpv4FlowHash(whole, 0, 14 + 20 + 3)).toBe(-1);
  });

  it.skipIf(!corpusAvailable)('agrees with the decoded frame on every plain IPv4 TCP/UDP packet of the corpus', async () => {
    const f = new Frame();
    let checked = 0;
    for (const rel of corpusCaptures()) {
      await readCapture(corpusPath(rel), (data, start, end, ts, linkType) => {
        if (linkType !== 1) return;
        const peek = peekIpv4FlowHash(data, start, end);
        const kind = decodeFrame(linkType, data, start, end, ts, f);
        if (kind === FrameKind.Transport && f.ipVersion === 4 && f.vlan < 0) {
          expect(peek).toBe(decodedHash(f));
          checked++;
        } else if (peek >= 0) {
          // taken by its flow's shard, which counts it as what the decode says (malformed)
          expect(kind).toBe(FrameKind.Malformed);
        }
      });
    }
    expect(checked).toBeGreaterThan(100_000);
  });
});
