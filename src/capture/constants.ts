/**
 * Magic numbers, block types and sanity limits of the capture formats.
 * Sources: the pcap and pcapng IETF drafts (draft-ietf-opsawg-pcap, draft-ietf-opsawg-pcapng) and
 * Wireshark's wiretap (libpcap.c, pcapng.c) for the variants and limits seen in the wild.
 */

/** Classic pcap magic as a big-endian u32 of the first 4 bytes, per variant. */
export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;
/** Alexey Kuznetsov's "modified" pcap (patched libpcap): microseconds, 24-byte record headers. */
export const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;
/** The same three written by a little-endian host (bytes reversed). */
export const PCAP_MAGIC_USEC_SWAPPED = 0xd4c3b2a1;
export const PCAP_MAGIC_NSEC_SWAPPED = 0x4d3cb2a1;
export const PCAP_MAGIC_MODIFIED_SWAPPED = 0x34cdb2a1;

export const PCAP_FILE_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;
/** The modified format appends ifindex (4), protocol (2), pkt_type (1) and a pad byte. */
export const PCAP_MODIFIED_RECORD_HEADER_LEN = 24;

/** pcapng block types (palindromic SHB type: endianness-free). */
export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 0x00000001;
/** Obsolete Packet Block, superseded by the EPB but still written by old tools. */
export const BLOCK_PB = 0x00000002;
export const BLOCK_SPB = 0x00000003;
export const BLOCK_EPB = 0x00000006;
/** SHB byte-order magic, read as little-endian when the section is little-endian. */
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
export const BYTE_ORDER_MAGIC_SWAPPED = 0x4d3c2b1a;

/** Smallest block: type, total length, trailing total length. */
export const BLOCK_MIN_LEN = 12;
/** SHB up to its options: header 8, byte-order magic 4, version 2+2, section length 8, trailer 4. */
export const SHB_MIN_LEN = 28;
/** IDB: header 8, link type 2, reserved 2, snaplen 4, trailer 4. */
export const IDB_MIN_LEN = 20;
/** EPB and PB: header 8, interface 4 (PB: 2 + drops 2), ts 4+4, caplen 4, origlen 4, trailer 4. */
export const EPB_MIN_LEN = 32;
/** SPB: header 8, origlen 4, trailer 4. */
export const SPB_MIN_LEN = 16;
/** Offset of the packet bytes inside an EPB / PB, and inside an SPB. */
export const EPB_DATA_OFFSET = 28;
export const SPB_DATA_OFFSET = 12;

/** IDB option codes. */
export const OPT_ENDOFOPT = 0;
export const OPT_IF_TSRESOL = 9;
export const OPT_IF_TSOFFSET = 14;
/** Default pcapng resolution: microseconds. */
export const DEFAULT_TS_DIVISOR = 1e6;

/** gzip member header: ID1 ID2 (RFC 1952). */
export const GZIP_ID1 = 0x1f;
export const GZIP_ID2 = 0x8b;

/**
 * Largest captured length we accept for one packet: Wireshark's WTAP_MAX_PACKET_SIZE_STANDARD.
 * Above it a length field is corruption, never an allocation.
 */
export const MAX_PACKET_LEN = 262_144;
/** A pcap snaplen below this does not tighten the limit (caplen > snaplen happens with some writers). */
export const SNAPLEN_SLACK_FLOOR = 65_535;
/** A packet block may carry options after the data; this bounds them. */
export const MAX_PACKET_BLOCK_LEN = MAX_PACKET_LEN + 65_536;
/** SHB and IDB are buffered whole to read their options. */
export const MAX_HEADER_BLOCK_LEN = 1 << 20;
/**
 * Blocks we skip are never buffered (only stepped over), but a length beyond this is corruption
 * (Wireshark's pcapng reader uses the same 16 MiB bound).
 */
export const MAX_SKIPPED_BLOCK_LEN = 16 << 20;

/** Default read size of readCapture: large chunks keep per-chunk overhead negligible. */
export const DEFAULT_HIGH_WATER_MARK = 1 << 20;
/** Output chunk size of the gunzip stream. */
export const GUNZIP_CHUNK_SIZE = 256 << 10;
/**
 * The decompression bound (readCapture, readCaptureStream): a gzip capture may expand to at most this many
 * times the compressed bytes read so far, and to this many bytes in all. Real captures compress 3-20x (packet
 * headers and timestamps differ); a gzip bomb of zeros expands ~1,000x, so 33 MB became 32 GiB of empty records
 * that held the analysis for minutes. Configurable (GunzipBound); these are the defaults.
 */
export const DEFAULT_GUNZIP_MAX_RATIO = 100;
export const DEFAULT_GUNZIP_MAX_BYTES = 64 * 1024 ** 3;
/**
 * The ratio is judged only past this much output: the first kilobytes of a small capture (a header, a few
 * identical packets) may compress far better than the whole, and a few MiB cost nothing to read.
 */
export const GUNZIP_RATIO_FLOOR = 16 << 20;
/** How much of an upload's head looksLikeCapture inflates to find a gzip member's magic. */
export const GZIP_SNIFF_INPUT = 512;
