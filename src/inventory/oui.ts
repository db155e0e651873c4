/**
 * MAC vendor from the IEEE OUI registry (the `oui-data` package: a 5 MB JSON map of upper-case hex
 * prefixes to "Organisation\naddress..."). Loaded lazily, once, and only when a MAC is looked up.
 */
import { createRequire } from 'node:module';

type OuiMap = Record<string, string>;

let registry: OuiMap | null | undefined;

function load(): OuiMap | null {
  if (registry === undefined) {
    try {
      registry = createRequire(import.meta.url)('oui-data') as OuiMap;
    } catch {
      registry = null; // a missing registry costs vendor names, not the analysis
    }
  }
  return registry;
}

/** Prefix lengths in hex digits, longest first: MA-S (36 bits), MA-M (28 bits), MA-L (24 bits). */
const PREFIX_DIGITS = [9, 7, 6] as const;

/**
 * A registry organisation name as people write it: the registry keeps what each company typed, with
 * trailing separators ('Siemens AG,') and runs of spaces that would print and filter as a different vendor.
 */
export function cleanVendor(name: string): string {
  return name
    .replace(/\s+/g, ' ')
    .replace(/[\s,;:]+$/, '')
    .trim();
}

/** 'aa:bb:cc:dd:ee:ff' → 'Siemens AG', or undefined for unknown, private, group or locally administered MACs. */
export function macVendor(mac: string): string | undefined {
  const hex = mac.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  if (hex.length !== 12) return undefined;
  const firstOctet = parseInt(hex.slice(0, 2), 16);
  if (firstOctet & 0x03) return undefined; // group (bit 0) or locally administered (bit 1): no registered owner
  const map = load();
  if (!map) return undefined;
  for (const digits of PREFIX_DIGITS) {
    const entry = map[hex.slice(0, digits)];
    if (entry !== undefined) {
      const name = cleanVendor(entry.split('\n', 1)[0]);
      return name && name.toLowerCase() !== 'private' ? name : undefined;
    }
  }
  return undefined;
}
