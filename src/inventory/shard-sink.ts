/**
 * The inventory as a shard's sink (src/pipeline/shard-messages.ts): a worker shard of `otwatch analyze` builds its
 * part of the inventory from the flows of its share and posts the evidence once; the main thread merges it into
 * its own (Inventory.mergeState) before resolving assets, paths and roles, once.
 */
import type { ShardSink, ShardSinkSpec } from '../pipeline/shard-messages.js';
import { Inventory, type InventoryState } from './inventory.js';

export interface InventoryShardOptions {
  silentAfter?: number;
}

/** Called in the worker, by the module URL inventoryShardSink() names. */
export function createShardSink(options: InventoryShardOptions = {}): ShardSink {
  // roles are resolved on the main thread, after the merge: a shard needs no registry
  const inventory = new Inventory({ serverRoleOf: () => undefined, silentAfter: options.silentAfter });
  return { sink: inventory, state: (): InventoryState => inventory.exportState() };
}

/**
 * This module, named for the worker. Relative to this file's URL: from sources the .ts file, built the .js
 * next to it, bundled the `inventory-shard` entry of dist/bundle/ (bin/bundle.js: the bundle is flat, and this
 * code lands in one of its files).
 */
export function inventoryShardSink(options: InventoryShardOptions = {}): ShardSinkSpec {
  const here = import.meta.url;
  const name = here.endsWith('.ts') ? './shard-sink.ts' : /\/bundle\/[^/]*$/.test(here) ? './inventory-shard.js' : './shard-sink.js';
  return { module: new URL(name, here).href, options };
}
