/**
 * Outstanding confirmed requests of one flow: key (direction, invoke id) → confirmed service, in the order
 * they were (re)sent, the oldest evicted past a bound. Same answers as a Map<number, number> used that way,
 * but over one fixed array indexed by the key (only 512 keys exist): a request costs a few array writes,
 * where a Map that is kept full rebuilds its hash table every few hundred requests.
 *
 * Thousands of flows interleave, so a flow's table is cold in the CPU cache whenever one of its requests
 * comes: `renew` (what the decoder does per request) only queues the request in a small buffer kept with
 * this object, and the table takes the queued requests, in order, a bufferful at a time or when it is
 * read. Each key's service and its neighbours in the order sit side by side in one Int16Array ([service,
 * prev, next] per key): applying requests touches few cache lines of one array.
 */

/** Keys are 0..511: 256 invoke ids per direction (see pendingKey in decoder.ts). */
const KEY_SPACE = 512;
const NONE = -1;
/** Int16 slots per key: service, previous key, next key (older and newer neighbours). */
const STRIDE = 3;
const SERVICE = 0;
const PREV = 1;
const NEXT = 2;
/** Largest service number an entry can hold (services are one octet on the wire). */
const MAX_SERVICE = 0x7fff;
/** Requests queued before they go into the table (16 int32: small enough to live in the JS heap with this object). */
const QUEUE_LENGTH = 16;

export class PendingServices {
  /** [service, prev, next] per key; service NONE when the key is absent. Allocated on first use. */
  private table: Int16Array | undefined;
  private head = NONE; // oldest
  private tail = NONE; // newest
  private count = 0;
  /** Renewed requests not yet in the table, oldest first: key << 16 | service. */
  private readonly queue = new Int32Array(QUEUE_LENGTH);
  private queued = 0;

  /** `max`: how many entries `renew` keeps (the oldest go first). */
  constructor(private readonly max: number) {}

  get size(): number {
    this.flush();
    return this.count;
  }

  /** As Map delete(key), set(key, service), then evictOver(max): a request (re)sent. */
  renew(key: number, service: number): void {
    if (key < 0 || key >= KEY_SPACE || service < 0 || service > MAX_SERVICE) throw new RangeError(`pending key ${key} service ${service}`);
    if (this.queued === QUEUE_LENGTH) this.flush();
    this.queue[this.queued++] = (key << 16) | service;
  }

  get(key: number): number | undefined {
    this.flush();
    const t = this.table;
    if (t === undefined || key < 0 || key >= KEY_SPACE) return undefined;
    const v = t[key * STRIDE + SERVICE]!;
    return v === NONE ? undefined : v;
  }

  /** As Map.set: a new key goes last; a present key keeps its place and takes the new value. */
  set(key: number, service: number): void {
    this.flush();
    this.put(key, service);
  }

  private put(key: number, service: number): void {
    if (key < 0 || key >= KEY_SPACE || service < 0 || service > MAX_SERVICE) throw new RangeError(`pending key ${key} service ${service}`);
    const t = (this.table ??= new Int16Array(KEY_SPACE * STRIDE).fill(NONE));
    const i = key * STRIDE;
    if (t[i + SERVICE] !== NONE) {
      t[i + SERVICE] = service;
      return;
    }
    t[i + SERVICE] = service;
    t[i + PREV] = this.tail;
    t[i + NEXT] = NONE;
    if (this.tail === NONE) this.head = key;
    else t[this.tail * STRIDE + NEXT] = key;
    this.tail = key;
    this.count++;
  }

  delete(key: number): boolean {
    this.flush();
    return this.remove(key);
  }

  private remove(key: number): boolean {
    const t = this.table;
    if (t === undefined || key < 0 || key >= KEY_SPACE) return false;
    const i = key * STRIDE;
    if (t[i + SERVICE] === NONE) return false;
    t[i + SERVICE] = NONE;
    const p = t[i + PREV]!;
    const n = t[i + NEXT]!;
    if (p === NONE) this.head = n;
    else t[p * STRIDE + NEXT] = n;
    if (n === NONE) this.tail = p;
    else t[n * STRIDE + PREV] = p;
    this.count--;
    return true;
  }

  /** Drop the oldest entry while more than `max` are kept. */
  evictOver(max: number): void {
    this.flush();
    this.trim(max);
  }

  private trim(max: number): void {
    while (this.count > max && this.head !== NONE) this.remove(this.head);
  }

  /** Empties the table (and frees it: a flow that ends rarely starts again). */
  clear(): void {
    this.table = undefined;
    this.head = this.tail = NONE;
    this.count = 0;
    this.queued = 0;
  }

  /** Applies the queued renewals, in order. */
  private flush(): void {
    const q = this.queue;
    for (let i = 0; i < this.queued; i++) {
      const key = q[i]! >>> 16;
      this.remove(key);
      this.put(key, q[i]! & 0xffff);
      this.trim(this.max);
    }
    this.queued = 0;
  }
}
