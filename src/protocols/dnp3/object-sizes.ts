/**
 * How many octets one object of a group/variation takes in a fragment (IEEE 1815-2012 clause 11, object
 * library), so that the object walk can step over values it does not read. Flags are one octet, DNP3
 * times are 48-bit milliseconds (6 octets), relative times 16-bit.
 */

/** Packed: one bit per point (g1v1, g10v1, g12v3, g80v1). */
export const SIZE_BITS_1 = -1;
/** Packed: two bits per point (g3v1). */
export const SIZE_BITS_2 = -2;
/** The variation is the length in octets (octet strings g110/g111, virtual terminal g112/g113). */
export const SIZE_BY_VARIATION = -3;
/** Device attribute (g0): data type, length, then that many value octets. */
export const SIZE_DEVICE_ATTRIBUTE = -4;
/** Variable: only a size prefix (qualifier 0x5B and friends) says how long an object is. */
export const SIZE_FROM_PREFIX = -5;
/** Not in our table: the walk cannot go past it. */
export const SIZE_UNKNOWN = -6;

/** Fixed sizes per group, indexed by variation (0 = any variation: a header that names points carries no values). */
const FIXED: ReadonlyMap<number, readonly number[]> = new Map<number, readonly number[]>([
  [1, [0, SIZE_BITS_1, 1]], // binary input: packed, with flags
  [2, [0, 1, 7, 3]], // binary input event: no time, absolute time, relative time
  [3, [0, SIZE_BITS_2, 1]], // double-bit binary input
  [4, [0, 1, 7, 3]], // double-bit binary input event
  [10, [0, SIZE_BITS_1, 1]], // binary output: packed, status
  [11, [0, 1, 7]], // binary output event
  [12, [0, 11, 11, SIZE_BITS_1]], // CROB, pattern control block, pattern mask
  [13, [0, 1, 7]], // binary output command event
  [20, [0, 5, 3, 5, 3, 4, 2, 4, 2]], // counter: 32/16 bit, delta, without flag
  [21, [0, 5, 3, 5, 3, 11, 9, 11, 9, 4, 2, 4, 2]], // frozen counter (with time of freeze in v5-v8)
  [22, [0, 5, 3, 5, 3, 11, 9, 11, 9]], // counter event
  [23, [0, 5, 3, 5, 3, 11, 9, 11, 9]], // frozen counter event
  [30, [0, 5, 3, 4, 2, 5, 9]], // analog input: 32, 16, no flag, float, double
  [31, [0, 5, 3, 11, 9, 4, 2, 5, 9]], // frozen analog input
  [32, [0, 5, 3, 11, 9, 5, 9, 11, 15]], // analog input event
  [33, [0, 5, 3, 11, 9, 5, 9, 11, 15]], // frozen analog input event
  [34, [0, 2, 4, 4]], // analog input deadband
  [40, [0, 5, 3, 5, 9]], // analog output status
  [41, [0, 5, 3, 5, 9]], // analog output block: value + control status
  [42, [0, 5, 3, 11, 9, 5, 9, 11, 15]], // analog output event
  [43, [0, 5, 3, 11, 9, 5, 9, 11, 15]], // analog output command event
  [50, [0, 6, 10, 6, 11]], // time and date, with interval, last recorded, indexed absolute time
  [51, [0, 6, 6]], // common time of occurrence, synchronised and not
  [52, [0, 2, 2]], // time delay coarse / fine
  [60, [0, 0, 0, 0, 0]], // class 0..3 data: never values
  [80, [0, SIZE_BITS_1]], // internal indications
  [81, [0, 3]], // storage object
  [101, [0, 2, 4, 8]], // binary-coded decimal integers
  [102, [0, 1]], // unsigned integer
  [121, [0, 7]], // security statistic
  [122, [0, 7, 13]], // security statistic event, with time
]);

/** Size code of one object of group/variation (>= 0: fixed octets, else one of the SIZE_ codes). */
export function objectSize(group: number, variation: number): number {
  // Group 0 objects carry data type, length and value whatever the variation, 0 included: reading g0v0 as
  // size 0 made the walk take the values that follow for object headers and invent groups (issue 18).
  if (group === 0) return SIZE_DEVICE_ATTRIBUTE;
  if (group >= 110 && group <= 113) return SIZE_BY_VARIATION;
  if (group === 120) {
    if (variation === 3) return 6; // aggressive mode request: challenge sequence number, user number
    if (variation === 4) return 2; // session key status request: user number
    return SIZE_FROM_PREFIX;
  }
  // file control, device profile, private registration, data sets, application identifier, status
  if (group === 70 || group === 82 || group === 83 || (group >= 85 && group <= 88) || group === 90 || group === 91) return SIZE_FROM_PREFIX;
  const sizes = FIXED.get(group);
  if (!sizes) return SIZE_UNKNOWN;
  const s = sizes[variation];
  return s === undefined ? SIZE_UNKNOWN : s;
}
