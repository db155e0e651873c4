/**
 * Outstanding confirmed requests of one flow: key (direction, invoke id) → confirmed service, in the order
 * they were (re)sent, the oldest evicted past a bound. Same answers as a Map<number, number> used that way,
 * but over fixed arrays indexed by the key (only 512 keys exist): a request costs a few array writes,
 * where a Map that is kept full rebuilds its hash table every few hundred requests.
 */

/** Keys are 0..511: 256 invoke ids per direction (see pendingKey in decoder.ts). */
const KEY_SPACE = 512;
const NONE = -1;

export class PendingServices {
  private service: Int32Array | undefined; // NONE when the key is absent; allocated on first use
  private prev: Int16Array | undefined;
  private next: Int16Array | undefined;
  private head = NONE; // oldest
  private tail = NONE; // newest
  size = 0;

  get(key: number): number | undefined {
    const s = this.service;
    if (s === undefined || key < 0 || key >= KEY_SPACE) return undefined;
    const v = s[key]!;
    return v === NONE ? undefined : v;
  }

  /** As Map.set: a new key goes last; a present key keeps its place and takes the new value. */
  set(key: number, service: number): void {
    if (key < 0 || key >= KEY_SPACE || service < 0) throw new RangeError(`pending key ${key} service ${service}`);
    if (this.service === undefined) {
      this.service = new Int32Array(KEY_SPACE).fill(NONE);
      this.prev = new Int16Array(KEY_SPACE);
      this.next = new Int16Array(KEY_SPACE);
    }
    const s = this.service;
    if (s[key] !== NONE) {
      s[key] = service;
      return;
    }
    s[key] = service;
    this.prev![key] = this.tail;
    this.next![key] = NONE;
    if (this.tail === NONE) this.head = key;
    else this.next![this.tail] = key;
    this.tail = key;
    this.size++;
  }

  delete(key: number): boolean {
    const s = this.service;
    if (s === undefined || key < 0 || key >= KEY_SPACE || s[key] === NONE) return false;
    s[key] = NONE;
    const p = this.prev![key]!;
    const n = this.next![key]!;
    if (p === NONE) this.head = n;
    else this.next![p] = n;
    if (n === NONE) this.tail = p;
    else this.prev![n] = p;
    this.size--;
    return true;
  }

  /** Drop the oldest entry while more than `max` are kept. */
  evictOver(max: number): void {
    while (this.size > max && this.head !== NONE) this.delete(this.head);
  }

  clear(): void {
    this.service?.fill(NONE);
    this.head = this.tail = NONE;
    this.size = 0;
  }
}
