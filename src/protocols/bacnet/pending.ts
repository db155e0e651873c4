/**
 * Outstanding confirmed requests of one flow: key (direction, invoke id) → confirmed service, in the order
 * they were (re)sent, the oldest evicted past a bound. Same answers as a Map<number, number> used that way,
 * but over one fixed array indexed by the key (only 512 keys exist): a request costs a few array writes,
 * where a Map that is kept full rebuilds its hash table every few hundred requests.
 *
 * Thousands of flows interleave, so a flow's table is cold in the CPU cache whenever one of its requests
 * comes: each key's service and its neighbours in the order sit side by side in one Int16Array ([service,
 * prev, next] per key), so that a request touches few cache lines of one array.
 */

/** Keys are 0..511: 256 invoke ids per direction (see pendingKey in decoder.ts). */
const KEY_SPACE = 512;
const NONE = -1;
/** Keys held in the short array before the table is allocated. */
const SMALL = 8;
/** Int16 slots per key: service, previous key, next key (older and newer neighbours). */
const STRIDE = 3;
const SERVICE = 0;
const PREV = 1;
const NEXT = 2;
/** Largest service number an entry can hold (services are one octet on the wire; stored plus one). */
const MAX_SERVICE = 0x7ffe;
/** A short-array entry is key << SMALL_SHIFT | service: one small integer. */
const SMALL_SHIFT = 15;
const SMALL_SERVICE = (1 << SMALL_SHIFT) - 1;

export class PendingServices {
  /**
   * [service + 1, prev + 1, next + 1] per key, 0 for absent: a fresh (zeroed) array is an empty table as it
   * comes, where filling 1,536 slots with -1 cost more than the requests of a short flow. Allocated when the short
   * array below overflows.
   */
  private table: Int16Array | undefined;
  /**
   * Until more than SMALL keys are outstanding (while there is no table), the entries live in this short
   * array, oldest first, each key and service as one number ((key << SMALL_SHIFT) | service); none until the
   * first: most flows never have more than a few requests open, and 10,000 BACnet flows each holding a 3 KiB
   * table were 30 MiB of the 2,000-asset plant's peak memory.
   */
  private small: number[] | undefined;
  private head = NONE; // oldest
  private tail = NONE; // newest
  private count = 0;

  /** `max`: how many entries `renew` keeps (the oldest go first). */
  constructor(private readonly max: number) {}

  get size(): number {
    return this.count;
  }

  /** As Map delete(key), set(key, service), then evictOver(max): a request (re)sent. */
  renew(key: number, service: number): void {
    this.delete(key);
    this.set(key, service);
    this.evictOver(this.max);
  }

  get(key: number): number | undefined {
    const t = this.table;
    if (t === undefined) {
      const at = this.smallIndex(key);
      return at < 0 ? undefined : this.small![at]! & SMALL_SERVICE;
    }
    if (key < 0 || key >= KEY_SPACE) return undefined;
    const v = t[key * STRIDE + SERVICE]!;
    return v === 0 ? undefined : v - 1;
  }

  /** As Map.set: a new key goes last; a present key keeps its place and takes the new value. */
  set(key: number, service: number): void {
    if (key < 0 || key >= KEY_SPACE || service < 0 || service > MAX_SERVICE) throw new RangeError(`pending key ${key} service ${service}`);
    if (this.table === undefined) {
      const small = this.small;
      if (small === undefined) {
        // made at its size: an array grown from empty by a push holds room for 17
        this.small = [(key << SMALL_SHIFT) | service];
        this.count++;
        return;
      }
      const at = this.smallIndex(key);
      if (at >= 0) {
        small[at] = (key << SMALL_SHIFT) | service;
        return;
      }
      if (small.length < SMALL) {
        small.push((key << SMALL_SHIFT) | service);
        this.count++;
        return;
      }
      this.toTable();
    }
    const t = this.table!;
    const i = key * STRIDE;
    if (t[i + SERVICE] !== 0) {
      t[i + SERVICE] = service + 1;
      return;
    }
    t[i + SERVICE] = service + 1;
    t[i + PREV] = this.tail + 1;
    t[i + NEXT] = 0;
    if (this.tail === NONE) this.head = key;
    else t[this.tail * STRIDE + NEXT] = key + 1;
    this.tail = key;
    this.count++;
  }

  delete(key: number): boolean {
    const t = this.table;
    if (t === undefined) {
      const at = this.smallIndex(key);
      if (at < 0) return false;
      const small = this.small!;
      // the later entries move up one (splice would make an array of the removed entry)
      for (let i = at + 1; i < small.length; i++) small[i - 1] = small[i]!;
      small.pop();
      this.count--;
      return true;
    }
    if (key < 0 || key >= KEY_SPACE) return false;
    const i = key * STRIDE;
    if (t[i + SERVICE] === 0) return false;
    t[i + SERVICE] = 0;
    const p = t[i + PREV]! - 1;
    const n = t[i + NEXT]! - 1;
    if (p === NONE) this.head = n;
    else t[p * STRIDE + NEXT] = n + 1;
    if (n === NONE) this.tail = p;
    else t[n * STRIDE + PREV] = p + 1;
    this.count--;
    return true;
  }

  /** Drop the oldest entry while more than `max` are kept. */
  evictOver(max: number): void {
    if (this.table === undefined) {
      while (this.count > max) this.delete(this.small![0]! >> SMALL_SHIFT);
      return;
    }
    while (this.count > max && this.head !== NONE) this.delete(this.head);
  }

  /** Where the short array holds `key`, -1 when it does not. */
  private smallIndex(key: number): number {
    const small = this.small;
    if (small === undefined) return -1;
    for (let i = 0; i < small.length; i++) if (small[i]! >> SMALL_SHIFT === key) return i;
    return -1;
  }

  /** Moves the short array's entries, in their order, into the table: from here on a request costs the same whatever the count. */
  private toTable(): void {
    const entries = this.small!;
    this.small = undefined;
    this.table = new Int16Array(KEY_SPACE * STRIDE);
    this.count = 0;
    for (const e of entries) this.set(e >> SMALL_SHIFT, e & SMALL_SERVICE);
  }

  /** Empties the table (and frees it and the short array: a flow that ends rarely starts again). */
  clear(): void {
    this.table = undefined;
    this.small = undefined;
    this.head = this.tail = NONE;
    this.count = 0;
  }
}
