/**
 * The drop-down values of one site's lists at the hub (GET /api/v1/facets?site=, what the web page's tables
 * offer), as the sensor's assetFacets (src/store/inventory-api-repository.ts) but only for the filters the hub's
 * lists take: zones and conduits are empty, since the hub's lists do not filter by them. Each is a DISTINCT within
 * the site's rows.
 */
import type pg from 'pg';
import type { AssetFacets } from '../inventory-api-repository.js';

export async function siteFacets(pool: pg.Pool, site: string): Promise<AssetFacets> {
  const col = async (sql: string): Promise<string[]> =>
    (await pool.query({ text: sql, values: [site], rowMode: 'array' })).rows.map((r: unknown[]) => r[0]).filter((v): v is string => !!v);
  const [roles, vendors, protocols, operations, rules] = await Promise.all([
    col('SELECT DISTINCT role FROM assets WHERE site = $1 AND data IS NOT NULL ORDER BY 1'),
    col('SELECT DISTINCT vendor FROM assets WHERE site = $1 AND data IS NOT NULL AND vendor IS NOT NULL ORDER BY 1'),
    col('SELECT DISTINCT unnest(protocols) FROM assets WHERE site = $1 AND data IS NOT NULL ORDER BY 1'),
    col('SELECT DISTINCT unnest(operations) FROM paths WHERE site = $1 AND data IS NOT NULL ORDER BY 1'),
    col('SELECT DISTINCT rule FROM findings WHERE site = $1 AND data IS NOT NULL ORDER BY 1'),
  ]);
  return { roles, zones: [], vendors, protocols, operations, conduits: [], rules };
}
