/**
 * The flow table's index of IPv4 flows: canonical key (lo address, hi address, both ports in one int32,
 * transport protocol) → flow, in open addressing over one Int32Array of keys (linear probing, entries moved
 * back on removal, no tombstones). Every packet looks its flow up: the keys are compared in a dense array
 * of 20 bytes a slot, where a Map<hash, flow> went from its bucket to its entry and then to the flow itself
 * to compare the key.
 */
/**
 * Int32s per slot: lo, hi, ports, proto (0: the slot is empty; IPv4 flows are TCP or UDP, never 0), and the
 * key's hash (where it belongs when entries move).
 */
const STRIDE = 5;
const HASH = 4;
/** Slots to start with: a capture of up to 8,192 flows never grows the index. */
const INITIAL_SLOTS = 16384;

export class FlowIndex4<T> {
  private keys = new Int32Array(INITIAL_SLOTS * STRIDE);
  private values: (T | undefined)[] = new Array<T | undefined>(INITIAL_SLOTS).fill(undefined);
  private mask = INITIAL_SLOTS - 1;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The value of the key; `hash` is tupleHash of the key. */
  get(lo: number, hi: number, ports: number, proto: number, hash: number): T | undefined {
    const keys = this.keys;
    const mask = this.mask;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const k = i * STRIDE;
      const p = keys[k + 3]!;
      if (p === 0) return undefined;
      if (p === proto && keys[k]! === lo && keys[k + 1]! === hi && keys[k + 2]! === ports) return this.values[i];
    }
  }

  /** Adds a key that is not in the index; `hash` is tupleHash of the key. */
  add(lo: number, hi: number, ports: number, proto: number, hash: number, value: T): void {
    if (proto === 0) throw new RangeError('flow index: protocol 0');
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    this.place(lo, hi, ports, proto, hash, value);
    this.count++;
  }

  /** Removes the key; false when it was not there. */
  delete(lo: number, hi: number, ports: number, proto: number, hash: number): boolean {
    const keys = this.keys;
    const mask = this.mask;
    let i = hash & mask;
    for (; ; i = (i + 1) & mask) {
      const k = i * STRIDE;
      const p = keys[k + 3]!;
      if (p === 0) return false;
      if (p === proto && keys[k]! === lo && keys[k + 1]! === hi && keys[k + 2]! === ports) break;
    }
    // the entries after it in its run move back where a lookup from their home slot still finds them
    let hole = i;
    for (let j = (hole + 1) & mask; keys[j * STRIDE + 3]! !== 0; j = (j + 1) & mask) {
      const k = j * STRIDE;
      const home = keys[k + HASH]! & mask;
      // the entry at j may fill the hole unless its home lies cyclically in (hole, j]
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        keys.copyWithin(hole * STRIDE, k, k + STRIDE);
        this.values[hole] = this.values[j];
        hole = j;
      }
    }
    keys.fill(0, hole * STRIDE, hole * STRIDE + STRIDE);
    this.values[hole] = undefined;
    this.count--;
    return true;
  }

  /** Removes every key (and gives back the room grown for them). */
  clear(): void {
    this.keys = new Int32Array(INITIAL_SLOTS * STRIDE);
    this.values = new Array<T | undefined>(INITIAL_SLOTS).fill(undefined);
    this.mask = INITIAL_SLOTS - 1;
    this.count = 0;
  }

  private place(lo: number, hi: number, ports: number, proto: number, hash: number, value: T): void {
    const keys = this.keys;
    const mask = this.mask;
    let i = hash & mask;
    while (keys[i * STRIDE + 3]! !== 0) i = (i + 1) & mask;
    const k = i * STRIDE;
    keys[k] = lo;
    keys[k + 1] = hi;
    keys[k + 2] = ports;
    keys[k + 3] = proto;
    keys[k + HASH] = hash;
    this.values[i] = value;
  }

  /** Twice the slots: the index stays at most half full, where probe runs are short. */
  private grow(): void {
    const keys = this.keys;
    const values = this.values;
    const slots = (this.mask + 1) * 2;
    const mask = slots - 1;
    const newKeys = new Int32Array(slots * STRIDE);
    const newValues = new Array<T | undefined>(slots).fill(undefined);
    for (let i = 0; i < values.length; i++) {
      const k = i * STRIDE;
      if (keys[k + 3]! === 0) continue;
      let j = keys[k + HASH]! & mask;
      while (newKeys[j * STRIDE + 3]! !== 0) j = (j + 1) & mask;
      const n = j * STRIDE;
      for (let x = 0; x < STRIDE; x++) newKeys[n + x] = keys[k + x]!;
      newValues[j] = values[i];
    }
    this.keys = newKeys;
    this.values = newValues;
    this.mask = mask;
  }
}
