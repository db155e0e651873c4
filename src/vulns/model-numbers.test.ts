import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { advisoriesAvailable, csafPath } from '../../test/vulns/advisories.js';
import { readCsaf } from './csaf.js';
import { matchAll } from './matcher.js';
import { normaliseModelNumber, orderNumbersInText, wildcardMatch } from './model-numbers.js';

describe('model numbers', () => {
  it('compares without spaces, whole, with CSAF wildcards', () => {
    const n = normaliseModelNumber('6ES7 315-2EH14-0AB0');
    expect(n).toBe('6ES7315-2EH14-0AB0');
    expect(wildcardMatch('6ES7315-2EH14-0AB?', n)).toBe(true);
    expect(wildcardMatch('6ES7315-*', n)).toBe(true);
    expect(wildcardMatch('6ES7*-0AB0', n)).toBe(true);
    expect(wildcardMatch('6ES7315-2EH14-0AB', n)).toBe(false); // a prefix is not the number
    expect(wildcardMatch('6ES7315-2EH14-0AB??', n)).toBe(false);
    expect(wildcardMatch('6ES7316-*', n)).toBe(false);
  });

  it('takes linear-ish time on a hostile pattern that would make a regular expression backtrack for ever', () => {
    const t0 = performance.now();
    expect(wildcardMatch(`${'*A'.repeat(40)}B`, 'A'.repeat(300))).toBe(false);
    expect(performance.now() - t0).toBeLessThan(200);
  });

  it('finds whole order numbers written in product names', () => {
    expect(
      orderNumbersInText('SIMATIC S7-1500 CPU 1518-4 PN/DP MFP (MLFB: 6ES7518-4AX00-1AC0, 6AG1518-4AX00-4AC0, incl. SIPLUS variant)'),
    ).toEqual(['6ES7518-4AX00-1AC0', '6AG1518-4AX00-4AC0']);
    expect(orderNumbersInText('SIMATIC CP 443-1 (6GK7 443-1EX30-0XE0)')).toEqual(['6GK7443-1EX30-0XE0']);
    expect(orderNumbersInText('X6ES7518-4AX00-1AC0 and 6ES7518-4AX00-1AC01')).toEqual([]);
  });
});

describe.skipIf(!advisoriesAvailable)('wildcard model numbers in an advisory', () => {
  it('match an order number with high confidence, and say which pattern', () => {
    // ICSA-18-079-02 as published, with the S7-315's model number widened by CSAF wildcards
    const doc = JSON.parse(readFileSync(csafPath('2018/icsa-18-079-02.json'), 'utf8'));
    const walk = (branches: any[]): void => {
      for (const b of branches) {
        const h = b.product?.product_identification_helper;
        if (h?.model_numbers?.includes('6ES7315-2EH14-0AB0')) {
          h.model_numbers = ['6ES7315-2EH1?-0AB*'];
          b.product.name = 'SIMATIC S7-300 CPU 315-2 PN/DP';
        }
        if (b.category === 'product_name' && b.name.includes('6ES7315-2EH14-0AB0')) b.name = 'SIMATIC S7-300 CPU 315-2 PN/DP';
        if (b.branches) walk(b.branches);
      }
    };
    walk(doc.product_tree.branches);
    const a = readCsaf(doc, 'wild.json');
    const [m] = matchAll(
      [{ assetId: 'plc', orderNumber: '6ES7 315-2EH14-0AB0', firmware: 'V3.2.6', protocol: 's7comm' }],
      [a],
      () => false,
    );
    expect(m).toMatchObject({ status: 'affected', confidence: 'high', basis: 'model_number', fixedVersion: 'V3.2.16' });
    expect(m.why).toContain('fits model number 6ES7315-2EH1?-0AB*');
    expect(
      matchAll([{ assetId: 'plc', orderNumber: '6ES7 315-2EH24-0AB0', firmware: 'V3.2.6' }], [a], () => false).filter(
        (x) => x.basis === 'model_number',
      ),
    ).toEqual([]);
  });
});
