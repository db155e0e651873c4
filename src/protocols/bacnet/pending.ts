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
/** Keys held in the short arrays before the table is allocated. */
const SMALL = 8;
/** Int16 slots per key: service, previous key, next key (older and newer neighbours). */
const STRIDE = 3;
const SERVICE = 0;
const PREV = 1;
const NEXT = 2;
/** Largest service number an entry can hold (services are one octet on the wire; stored plus one). */
const MAX_SERVICE = 0x7ffe;

export class PendingServices {
  /**
   * [service + 1, prev + 1, next + 1] per key, 0 for absent: a fresh (zeroed) array is an empty table as it
   * comes, where filling 1,536 slots with -1 cost more than the requests of a short flow. Allocated on first use.
   */
  private table: Int16Array | undefined;
  /**
   * Until more than SMALL keys are outstanding, the entries live in these two short arrays, oldest first:
   * most flows never have more than a few requests open, and 10,000 BACnet flows each holding a 3 KiB table
   * were 30 MiB of the 2,000-asset plant's peak memory.
   */
  private smallKeys: number[] | undefined = [];
  private smallServices: number[] = [];
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
    const small = this.smallKeys;
    if (small !== undefined) {
      const at = small.indexOf(key);
      return at < 0 ? undefined : this.smallServices[at];
    }
    const t = this.table;
    if (t === undefined || key < 0 || key >= KEY_SPACE) return undefined;
    const v = t[key * STRIDE + SERVICE]!;
    return v === 0 ? undefined : v - 1;
  }

  /** As Map.set: a new key goes last; a present key keeps its place and takes the new value. */
  set(key: number, service: number): void {
    if (key < 0 || key >= KEY_SPACE || service < 0 || service > MAX_SERVICE) throw new RangeError(`pending key ${key} service ${service}`);
    const small = this.smallKeys;
    if (small !== undefined) {
      const at = small.indexOf(key);
      if (at >= 0) {
        this.smallServices[at] = service;
        return;
      }
      if (small.length < SMALL) {
        small.push(key);
        this.smallServices.push(service);
        this.count++;
        return;
      }
      this.toTable();
    }
    const t = (this.table ??= new Int16Array(KEY_SPACE * STRIDE));
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
    const small = this.smallKeys;
    if (small !== undefined) {
      const at = small.indexOf(key);
      if (at < 0) return false;
      small.splice(at, 1);
      this.smallServices.splice(at, 1);
      this.count--;
      return true;
    }
    const t = this.table;
    if (t === undefined || key < 0 || key >= KEY_SPACE) return false;
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
    const small = this.smallKeys;
    if (small !== undefined) {
      while (this.count > max) this.delete(small[0]!);
      return;
    }
    while (this.count > max && this.head !== NONE) this.delete(this.head);
  }

  /** Moves the short arrays' entries, in their order, into the table: from here on a request costs the same whatever the count. */
  private toTable(): void {
    const keys = this.smallKeys!;
    const services = this.smallServices;
    this.smallKeys = undefined;
    this.smallServices = [];
    this.count = 0;
    for (let i = 0; i < keys.length; i++) this.set(keys[i]!, services[i]!);
  }

  /** Empties the table (and frees it: a flow that ends rarely starts again). */
  clear(): void {
    this.table = undefined;
    this.smallKeys = [];
    this.smallServices = [];
    this.head = this.tail = NONE;
    this.count = 0;
  }
}
