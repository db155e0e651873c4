import { describe, expect, it } from 'vitest';
import { probeS7 } from './probe.js';

const info = { transport: 'tcp' as const, fromInitiator: true, srcPort: 50000, dstPort: 3389 };

describe('S7 probe on connection requests', () => {
  it('takes a COTP connection request that names both TSAPs', () => {
    // TPKT, CR (LI 17): dst-ref, src-ref, class 0, then TPDU size c0, calling TSAP c1, called TSAP c2
    const cr = Buffer.from('0300001611e00000000100c0010ac1020100c2020102', 'hex');
    expect(probeS7(cr, info)).toBe(true);
  });

  it('does not take RDP (X.224 CR with an mstshash cookie and no TSAPs) for S7', () => {
    const cookie = Buffer.from('Cookie: mstshash=operator\r\n', 'latin1');
    const neg = Buffer.from('0100080003000000', 'hex');
    const x224 = Buffer.concat([Buffer.from([6 + cookie.length + neg.length, 0xe0, 0, 0, 0, 0, 0]), cookie, neg]);
    const tpkt = Buffer.concat([Buffer.from([3, 0, 0, 4 + x224.length]), x224]);
    expect(probeS7(tpkt, info)).toBe(false);
  });
});
