import { describe, expect, it } from 'vitest';
import { exposureOf, priorityOf, type InboundPath } from './priority.js';
import { boundedFrs } from './sl-ceiling.js';
import type { VulnerabilityMatch } from './types.js';

type M = Pick<VulnerabilityMatch, 'status' | 'knownExploited' | 'cvssScore' | 'confidence'>;
const m = (over: Partial<M>): M => ({ status: 'affected', knownExploited: false, cvssScore: 5, confidence: 'high', ...over });

describe('priority of known vulnerabilities', () => {
  it('puts known exploited first, then exposed, then CVSS, then affected before potentially, not affected last', () => {
    const order = [
      priorityOf(m({ knownExploited: true, cvssScore: 4.3 }), false),
      priorityOf(m({ cvssScore: 5.3 }), true),
      priorityOf(m({ cvssScore: 9.8 }), false),
      priorityOf(m({ cvssScore: 7.5 }), false),
      priorityOf(m({ cvssScore: 7.5, status: 'potentially_affected' }), false),
      priorityOf(m({ cvssScore: 7.5, status: 'potentially_affected', confidence: 'low' }), false),
      priorityOf(m({ cvssScore: 10, status: 'not_affected', knownExploited: true }), true),
    ];
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(order).size).toBe(order.length);
  });
});

describe('exposure over observed paths', () => {
  const path = (over: Partial<InboundPath>): InboundPath => ({ initiator: '10.20.1.50', protocol: 's7comm', responderPort: 102, ...over });

  it('is exposure when a path comes from a zone of lower SL-T, naming the conduit', () => {
    const e = exposureOf([path({ fromZone: 'scada', toZone: 'control', fromSlt: 2, toSlt: 3, conduit: 'programming' })]);
    expect(e).toEqual({ exposed: true, detail: 's7comm/102 from 10.20.1.50 in zone scada (SL-T 2 < 3) through conduit programming' });
  });

  it('is exposure from a higher Purdue level, and says when no conduit carries the path', () => {
    const e = exposureOf([path({ fromZone: 'it', toZone: 'control', fromLevel: 4, toLevel: 1 })]);
    expect(e.detail).toBe('s7comm/102 from 10.20.1.50 in zone it (Purdue level 4 > 1) outside every conduit');
  });

  it('is no exposure from the same zone, an equal or higher SL-T, or a lower level', () => {
    expect(exposureOf([path({ fromZone: 'control', toZone: 'control', fromSlt: 1, toSlt: 3 })]).exposed).toBe(false);
    expect(exposureOf([path({ fromZone: 'safety', toZone: 'control', fromSlt: 3, toSlt: 3, fromLevel: 1, toLevel: 1 })]).exposed).toBe(
      false,
    );
    expect(exposureOf([path({ fromLevel: 0, toLevel: 1 })]).exposed).toBe(false);
    expect(exposureOf([]).exposed).toBe(false);
  });
});

describe('SL-A bounds from CVSS vectors', () => {
  const v = (cvssVector: string, over: Partial<VulnerabilityMatch> = {}) =>
    boundedFrs({ status: 'affected', knownExploited: false, cvssVector, ...over });

  it('bounds FR 7 for a remote DoS without privileges, FR 3 and 4 for integrity and confidentiality', () => {
    expect(v('CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H')).toEqual(['FR7']);
    expect(v('CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')).toEqual(['FR3', 'FR4', 'FR7']);
  });

  it('does not bound for local access, needed privileges (unless known exploited), or a status other than affected', () => {
    expect(v('CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')).toEqual([]);
    expect(v('CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:N/I:N/A:H')).toEqual([]);
    expect(v('CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:N/I:N/A:H', { knownExploited: true })).toEqual(['FR7']);
    expect(v('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', { status: 'potentially_affected' })).toEqual([]);
  });
});
