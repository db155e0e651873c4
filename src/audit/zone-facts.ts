/**
 * What the vulnerability priority needs of a policy's zones: each zone's highest SL-T and its Purdue level.
 * A plain map, so that the store can rank exposure without loading the policy language (YAML, schema).
 */
import type { Policy } from './policy-types.js';

export type ZoneFacts = ReadonlyMap<string, { slt?: number; level?: number }>;

export function zoneFacts(policy: Policy | undefined): ZoneFacts {
  const zones = new Map<string, { slt?: number; level?: number }>();
  for (const z of policy?.zones ?? []) {
    const levels = Object.values(z.slt).filter((x): x is number => typeof x === 'number');
    zones.set(z.id, { slt: levels.length ? Math.max(...levels) : undefined, level: z.level ?? undefined });
  }
  return zones;
}
