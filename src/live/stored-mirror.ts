/**
 * Every stored asset and path, kept in memory by the live agent for its audit: each flush's audit looks at the
 * whole store, and reading it back (a JSON parse per row, a query per path's operations) cost more with every
 * path the plant added, for rows this agent had just written itself. The agent's own saves update the mirror;
 * when another connection committed since (an upload job, a publisher, an API write), it is read again whole,
 * so it never holds what the database does not.
 */
import type { Asset, Path } from '../core/model.js';
import type { SaveResult, Store } from '../store/store.js';

const byId = <T extends { id: string }>(m: Map<string, T>): T[] => [...m.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

export class StoredMirror {
  private assets = new Map<string, Asset>();
  private paths = new Map<string, Path>();
  private version: number | undefined;
  /** Whole reads so far (the first one included): the test and the log can tell a reload from an update. */
  reloads = 0;

  constructor(private readonly store: Store) {}

  /** After this agent's save: what it wrote replaces what the mirror held. */
  saved(result: SaveResult): void {
    if (this.version === undefined || this.version !== this.store.dataVersion()) return this.reload();
    for (const a of result.saved.assets) this.assets.set(a.id, a);
    for (const a of result.saved.recomputed) this.assets.set(a.id, a);
    for (const p of result.saved.paths) this.paths.set(p.id, p);
  }

  /** The store's assets and paths, ordered by id as the store lists them. */
  current(): { assets: Asset[]; paths: Path[] } {
    if (this.version === undefined || this.version !== this.store.dataVersion()) this.reload();
    return { assets: byId(this.assets), paths: byId(this.paths) };
  }

  private reload(): void {
    this.version = this.store.dataVersion();
    this.assets = new Map(this.store.assets().map((a) => [a.id, a]));
    this.paths = new Map(this.store.paths().map((p) => [p.id, p]));
    this.reloads++;
  }
}
