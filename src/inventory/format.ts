/** Plain-text tables of assets and paths for a person at a terminal. */
import type { Asset } from '../core/model.js';
import { sanitize } from '../core/sanitize.js';

/**
 * Left-aligned columns, two spaces apart. Every cell goes through the sanitiser: names and identities
 * come from devices, and a control character in one would act on the terminal or fake a row; cells
 * longer than `max` are cut with an ellipsis.
 */
export function formatTable(header: string[], rows: string[][], max = 48): string {
  const cut = (s: string) => sanitize(s, { max });
  const all = [header, ...rows].map((r) => r.map(cut));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function assetRows(assets: readonly Asset[]): string[][] {
  return assets.map((a) => [
    a.id,
    a.role,
    a.purdueLevel === null ? '-' : String(a.purdueLevel),
    a.ips.join(' ') || '-',
    a.identity.vendor?.value ?? a.macVendor ?? '-',
    a.identity.product?.value ?? a.identity.model?.value ?? a.identity.order_number?.value ?? a.identity.product_uri?.value ?? '-',
    a.identity.firmware?.value ?? '-',
    a.names[0] ?? '-',
    [...a.protocolsServer.map((p) => `${p}(s)`), ...a.protocolsClient.map((p) => `${p}(c)`)].join(' ') || '-',
  ]);
}

export const ASSET_HEADER = ['ASSET', 'ROLE', 'L', 'IPS', 'VENDOR', 'PRODUCT', 'FIRMWARE', 'NAME', 'PROTOCOLS'];

/** A capture time (seconds since the epoch) as a table shows it: 'YYYY-MM-DD HH:MM:SS', UTC. */
export function timeText(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19);
}
