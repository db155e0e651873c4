/**
 * OPC UA binary protocol constants (OPC 10000-6, UA Binary and UA TCP / UA Secure Conversation).
 * Service type ids are in services.ts (a big table of its own).
 */

/** Length of the UA TCP message header: 3-byte type, 1-byte chunk type, uint32 size. */
export const HEADER_LEN = 8;

/** Message types as the big-endian integer of their three ASCII letters, for a cheap compare. */
export const MSG_HEL = 0x48454c; // 'HEL' Hello
export const MSG_ACK = 0x41434b; // 'ACK' Acknowledge
export const MSG_ERR = 0x455252; // 'ERR' Error
export const MSG_RHE = 0x524845; // 'RHE' ReverseHello
export const MSG_OPN = 0x4f504e; // 'OPN' OpenSecureChannel
export const MSG_MSG = 0x4d5347; // 'MSG' service message
export const MSG_CLO = 0x434c4f; // 'CLO' CloseSecureChannel

export type MessageType = 'HEL' | 'ACK' | 'ERR' | 'RHE' | 'OPN' | 'MSG' | 'CLO';

/** The message types the oracle counts (all six keys always present). */
export const COUNTED_MESSAGE_TYPES = ['HEL', 'ACK', 'OPN', 'MSG', 'CLO', 'ERR'] as const;

/** Chunk types (fourth header byte). */
export const CHUNK_FINAL = 0x46; // 'F'
export const CHUNK_INTERMEDIATE = 0x43; // 'C'
export const CHUNK_ABORT = 0x41; // 'A'

/**
 * Smallest size each message type can have: header plus its fixed fields.
 * HEL: 5 uint32 + endpoint url length; ACK: 5 uint32; ERR: code + reason length; RHE: two string lengths;
 * OPN: channel id + three (possibly null) string lengths + 8-byte sequence header;
 * MSG/CLO: channel id + token id + 8-byte sequence header.
 */
export const MIN_SIZE: Readonly<Record<MessageType, number>> = {
  HEL: 32,
  ACK: 28,
  ERR: 16,
  RHE: 16,
  OPN: 32,
  MSG: 24,
  CLO: 24,
};

/** A chunk above this is treated as a corrupt header (the spec's buffers are negotiated far lower in practice). */
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
/** When resynchronising on a guessed header, be stricter: real chunks rarely exceed the common 64 KiB-1 MiB buffers. */
export const MAX_RESYNC_CHUNK_SIZE = 2 * 1024 * 1024;

/** Bounds on multi-chunk reassembly (per direction): beyond them the message is dropped as an anomaly. */
export const MAX_CHUNKS_PER_MESSAGE = 4096;
export const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;
export const MAX_PENDING_MESSAGES = 16;

/** Longest string kept from a message (URLs, URIs, names): longer ones are cut, never stored whole. */
export const MAX_KEPT_STRING = 512;
/** At most this many node ids are listed in an event's fields (Write, Call). */
export const MAX_LISTED_NODES = 32;
/** At most this many endpoints / applications are summarised from one response. */
export const MAX_LISTED_ENDPOINTS = 64;

export const POLICY_PREFIX = 'http://opcfoundation.org/UA/SecurityPolicy#';

/** MessageSecurityMode (OPC 10000-4 7.20). */
export const SECURITY_MODE_NAMES: Readonly<Record<number, string>> = {
  0: 'Invalid',
  1: 'None',
  2: 'Sign',
  3: 'SignAndEncrypt',
};
export const SECURITY_MODE_NONE = 1;
export const SECURITY_MODE_SIGN = 2;
export const SECURITY_MODE_SIGN_AND_ENCRYPT = 3;

/** SecurityTokenRequestType (OPC 10000-4 5.5.2). */
export const REQUEST_TYPE_NAMES: Readonly<Record<number, string>> = { 0: 'Issue', 1: 'Renew' };

/** UserTokenType (OPC 10000-4 7.42) as otwatch's `auth` fact names it. */
export const USER_TOKEN_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'anonymous',
  1: 'username',
  2: 'certificate',
  3: 'issued',
};

/** Binary encoding ids of the user identity tokens carried in ActivateSessionRequest. */
export const IDENTITY_TOKEN_AUTH: Readonly<Record<number, string>> = {
  321: 'anonymous', // AnonymousIdentityToken_Encoding_DefaultBinary
  324: 'username', // UserNameIdentityToken_Encoding_DefaultBinary
  327: 'certificate', // X509IdentityToken_Encoding_DefaultBinary
  940: 'issued', // IssuedIdentityToken_Encoding_DefaultBinary
};

/** ApplicationType (OPC 10000-4 7.4). */
export const APPLICATION_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'Server',
  1: 'Client',
  2: 'ClientAndServer',
  3: 'DiscoveryServer',
};

/** The registered port; the oracle's last-but-one rule for the server side. */
export const OPCUA_PORT = 4840;

export const POLICY_NONE_URI = `${POLICY_PREFIX}None`;

/**
 * Length of the symmetric signature that ends each chunk in Sign mode (HMAC-SHA1 20 bytes, HMAC-SHA256
 * 32 bytes), by policy short name: stripped before the chunks of a signed multi-chunk message are joined.
 */
export const SYMMETRIC_SIGNATURE_LEN: Readonly<Record<string, number>> = {
  Basic128Rsa15: 20,
  Basic256: 20,
  Basic256Sha256: 32,
  Aes128_Sha256_RsaOaep: 32,
  Aes256_Sha256_RsaPss: 32,
};

/** Bytes kept after a failed resynchronisation scan: a header may straddle the next segment. */
export const RESYNC_TAIL = HEADER_LEN - 1;
