/** The WHERE clause of an asset list by role, vendor, protocol and zone (table alias `a`), parameterised. */
export interface AssetFilter {
  role?: string;
  vendor?: string;
  protocol?: string;
  zone?: string;
}

export function assetWhere(q: AssetFilter): { where: string[]; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.role) {
    where.push('a.role = ?');
    args.push(q.role);
  }
  if (q.vendor) {
    where.push('a.vendor = ?');
    args.push(q.vendor);
  }
  if (q.protocol) {
    where.push('a.id IN (SELECT asset_id FROM asset_protocols WHERE protocol = ?)');
    args.push(q.protocol);
  }
  if (q.zone) {
    where.push('a.id IN (SELECT asset_id FROM asset_zones WHERE zone = ?)');
    args.push(q.zone);
  }
  return { where, args };
}
