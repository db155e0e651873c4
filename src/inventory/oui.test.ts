import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { bisect, macVendor, OUI_INDEX_HEADER, ouiIndexText } from './oui.js';

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
});
