/**
 * MAC vendor from the IEEE OUI registry (the `oui-data` package: a 5 MB JSON map of upper-case hex
 * prefixes to "Organisation\naddress..."). Loaded lazily, once, and only when a MAC is looked up.
 *
 * Parsing that JSON costs a tenth of a second (54,000 keys made into an object). The build writes the same
 * registry as sorted text lines 'PREFIX<tab>first line of the entry' (dist/oui-index.txt, bin/bundle.js, tagged
 * with the oui-data version it came from): read as one string and searched by bisection, it costs a few
 * milliseconds. Without it (from sources, or a build for another oui-data version) the JSON is parsed.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { packageRoot } from '../core/package-root.js';

type OuiMap = Record<string, string>;
/** The first line of a prefix's registry entry, or undefined when the prefix is not registered. */
type Lookup = (prefix: string) => string | undefined;

let registry: Lookup | null | undefined;

/** The index's first line: its format and the oui-data version it was built from. */
export const OUI_INDEX_HEADER = 'otwatch-oui-index 1 oui-data ';
export const OUI_INDEX_FILE = 'dist/oui-index.txt';

function load(): Lookup | null {
  if (registry === undefined) {
    const require = createRequire(import.meta.url);
    try {
      const version = ouiDataVersion(require);
      const text = readFileSync(join(packageRoot, OUI_INDEX_FILE), 'utf8');
      const head = text.indexOf('\n');
      if (text.slice(0, head) !== OUI_INDEX_HEADER + version) throw new Error('index of another oui-data version');
      registry = (prefix) => bisect(text, head + 1, prefix);
    } catch {
      try {
        const map = require('oui-data') as OuiMap;
        registry = (prefix) => {
          const entry = map[prefix];
          return entry === undefined ? undefined : entry.split('\n', 1)[0];
        };
      } catch {
        registry = null; // a missing registry costs vendor names, not the analysis
      }
    }
  }
  return registry;
}

/** The installed oui-data's version (its package.json is not exported: read next to its main file). */
export function ouiDataVersion(require: NodeRequire): string {
  return (JSON.parse(readFileSync(join(dirname(require.resolve('oui-data')), 'package.json'), 'utf8')) as { version: string }).version;
}

/** The text of `key` in sorted 'key<tab>text' lines from `from` on, by bisection over the characters. */
export function bisect(text: string, from: number, key: string): string | undefined {
  let lo = from; // always the start of a line
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const start = Math.max(lo, text.lastIndexOf('\n', mid - 1) + 1);
    const tab = text.indexOf('\t', start);
    const end = text.indexOf('\n', tab);
    const k = text.slice(start, tab);
    if (k === key) return text.slice(tab + 1, end < 0 ? text.length : end);
    if (k < key) lo = end < 0 ? text.length : end + 1;
    else hi = start;
  }
  return undefined;
}

/** The index text bin/bundle.js writes: every prefix of the registry, sorted, with its entry's first line. */
export function ouiIndexText(map: OuiMap, version: string): string {
  const lines = [OUI_INDEX_HEADER + version];
  for (const key of Object.keys(map).sort()) lines.push(`${key}\t${map[key].split('\n', 1)[0].replace(/[\t\r]/g, ' ')}`);
  return lines.join('\n') + '\n';
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
  // the vendor depends on the longest prefix only: a plant's devices of one vendor share it, and each bisection
  // of the registry's text is a few microseconds
  const key = hex.slice(0, PREFIX_DIGITS[0]);
  if (vendorByPrefix.has(key)) return vendorByPrefix.get(key);
  const map = load();
  if (!map) return undefined;
  let vendor: string | undefined;
  for (const digits of PREFIX_DIGITS) {
    const first = map(hex.slice(0, digits));
    if (first !== undefined) {
      const name = cleanVendor(first);
      vendor = name && name.toLowerCase() !== 'private' ? name : undefined;
      break;
    }
  }
  if (vendorByPrefix.size >= VENDOR_CACHE_MAX) vendorByPrefix.clear(); // bounded: random MACs would fill it
  vendorByPrefix.set(key, vendor);
  return vendor;
}

const vendorByPrefix = new Map<string, string | undefined>();
const VENDOR_CACHE_MAX = 1 << 16;
