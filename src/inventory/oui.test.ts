import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { bisect, cleanVendor, macVendor, OUI_INDEX_HEADER, ouiIndexText } from './oui.js';

describe('OUI registry', () => {
  it('finds every prefix of the registry in the sorted text index by bisection, and no other', () => {
    const map = createRequire(import.meta.url)('oui-data') as Record<string, string>;
    const text = ouiIndexText(map, 'x');
    const from = text.indexOf('\n') + 1;
    expect(text.slice(0, from - 1)).toBe(`${OUI_INDEX_HEADER}x`);
    for (const [key, entry] of Object.entries(map))
      expect(bisect(text, from, key), key).toBe(entry.split('\n', 1)[0].replace(/[\t\r]/g, ' '));
    for (const absent of ['000000000', 'FFFFFF', '0', 'ZZZZZZ', '00000']) expect(bisect(text, from, absent)).toBe(map[absent]);
  });

  it('names the vendor of a MAC, and none for group or locally administered ones', () => {
    expect(macVendor('00:1b:1b:13:41:73')).toBe('Siemens AG');
    expect(macVendor('01:00:5e:00:00:01')).toBeUndefined();
    expect(macVendor('02:00:00:00:00:01')).toBeUndefined();
  });

  it('tells apart MACs of one OUI that fall in different MA-M and MA-S blocks, in any order of lookup', () => {
    const map = createRequire(import.meta.url)('oui-data') as Record<string, string>;
    const reference = (hex: string): string | undefined => {
      for (const digits of [9, 7, 6]) {
        const entry = map[hex.slice(0, digits)];
        if (entry !== undefined) {
          const name = cleanVendor(entry.split('\n', 1)[0]);
          return name && name.toLowerCase() !== 'private' ? name : undefined;
        }
      }
      return undefined;
    };
    // MACs in the MA-S and MA-M blocks of the registry, and their OUI's other addresses
    const blocks = Object.keys(map)
      .filter((k) => k.length > 6 && !(parseInt(k.slice(0, 2), 16) & 3))
      .slice(0, 150);
    expect(blocks.length).toBeGreaterThan(100);
    const hexes = blocks.flatMap((k) => [k.padEnd(12, '0'), (k.slice(0, 6) + 'FFFFFF').slice(0, 12), k.padEnd(12, 'A')]);
    const asMac = (hex: string) => hex.toLowerCase().match(/../g)!.join(':');
    for (const order of [hexes, [...hexes].reverse()]) for (const hex of order) expect(macVendor(asMac(hex)), hex).toBe(reference(hex));
  });
});
