/**
 * A Map<number, V> for outstanding requests (transaction id → request) that keeps its first entry in a
 * field. A polling client has one request outstanding at a time: set, get and delete then touch no hash
 * table, and the table is not rebuilt (allocated) as it flips between one and no entries once per PDU.
 * With more than one entry it is an ordinary Map; iteration order (oldest first) is the Map's.
 */
export class SlotMap<V> {
  // invariant: while the slot holds an entry the map is empty, so the slot is also the oldest entry
  private slotUsed = false;
  private slotKey = 0;
  private slotValue: V | undefined = undefined;
  private map: Map<number, V> | undefined;

  get size(): number {
    return this.slotUsed ? 1 : this.map === undefined ? 0 : this.map.size;
  }

  get(key: number): V | undefined {
    if (this.slotUsed) return this.slotKey === key ? this.slotValue : undefined;
    return this.map === undefined ? undefined : this.map.get(key);
  }

  has(key: number): boolean {
    if (this.slotUsed) return this.slotKey === key;
    return this.map !== undefined && this.map.has(key);
  }

  /** As Map.set: a key already present keeps its place in the order. */
  set(key: number, value: V): void {
    if (this.slotUsed) {
      if (this.slotKey === key) {
        this.slotValue = value;
        return;
      }
      const map = (this.map ??= new Map());
      map.set(this.slotKey, this.slotValue as V);
      this.emptySlot();
      map.set(key, value);
      return;
    }
    if (this.map === undefined || this.map.size === 0) {
      this.slotUsed = true;
      this.slotKey = key;
      this.slotValue = value;
      return;
    }
    this.map.set(key, value);
  }

  delete(key: number): boolean {
    if (this.slotUsed) {
      if (this.slotKey !== key) return false;
      this.emptySlot();
      return true;
    }
    return this.map !== undefined && this.map.delete(key);
  }

  /** The key inserted first, undefined when empty. */
  oldestKey(): number | undefined {
    if (this.slotUsed) return this.slotKey;
    if (this.map === undefined) return undefined;
    return this.map.keys().next().value;
  }

  clear(): void {
    this.emptySlot();
    this.map?.clear();
  }

  private emptySlot(): void {
    this.slotUsed = false;
    this.slotValue = undefined;
  }
}
