/**
 * JSON Schemas of the API: each one validates a request, serialises a response and documents the
 * route in the OpenAPI document. Request schemas forbid unknown properties (removeAdditional is off
 * in the app's Ajv), so a typo in a filter is a 400, not a silently ignored parameter.
 */
import { FINDING_STATUSES } from '../audit/lifecycle.js';
import { DEFAULT_PAGE, MAX_OFFSET, MAX_PAGE } from './constants.js';

const str = { type: 'string' } as const;
const num = { type: 'number' } as const;
const int = { type: 'integer' } as const;
const strs = { type: 'array', items: str } as const;
const nullable = (s: object) => ({ anyOf: [s, { type: 'null' }] });

/** A filter value: non-empty, bounded, printable (no control characters). */
export const filterString = { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f]+$' } as const;
export const idParam = { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f]+$' } as const;

export const errorSchema = {
  $id: 'Error',
  type: 'object',
  properties: {
    statusCode: int,
    error: str,
    message: str,
    errors: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
  required: ['statusCode', 'error', 'message'],
} as const;

/** Pagination parameters shared by every list. */
export const pageQuery = {
  limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: DEFAULT_PAGE, description: 'page size' },
  offset: { type: 'integer', minimum: 0, maximum: MAX_OFFSET, description: 'rows to skip (use cursor for deep pages)' },
  cursor: { type: 'string', minLength: 1, maxLength: 1000, description: 'nextCursor of the previous page' },
  order: { type: 'string', enum: ['asc', 'desc'], default: 'asc' },
} as const;

/** A time (seconds since the epoch) or an ISO 8601 date-time. */
export const timeParam = {
  type: 'string',
  minLength: 1,
  maxLength: 40,
  pattern: '^(\\d{1,12}(\\.\\d+)?|\\d{4}-\\d{2}-\\d{2}(T[0-9:.]+(Z|[+-]\\d{2}:\\d{2})?)?)$',
} as const;

export function pageOf(item: object) {
  return {
    type: 'object',
    properties: { items: { type: 'array', items: item }, total: int, limit: int, offset: int, nextCursor: nullable(str) },
    required: ['items', 'total', 'limit', 'offset', 'nextCursor'],
  };
}

const identityValue = { type: 'object', properties: { value: str, protocol: str, ts: num } };

export const assetSchema = {
  type: 'object',
  properties: {
    id: str,
    ips: strs,
    macs: strs,
    vlans: { type: 'array', items: int },
    macVendor: str,
    names: strs,
    identity: { type: 'object', additionalProperties: identityValue },
    role: str,
    roleEvidence: strs,
    purdueLevel: nullable(num),
    protocolsServer: strs,
    protocolsClient: strs,
    firstSeen: num,
    lastSeen: num,
    zone: nullable(str),
  },
} as const;

const opSummary = { type: 'object', properties: { count: int, examples: strs, functions: { type: 'object', additionalProperties: int } } };

export const pathSchema = {
  type: 'object',
  properties: {
    id: str,
    initiator: str,
    responder: str,
    initiatorIp: str,
    responderIp: str,
    protocol: str,
    transport: str,
    responderPort: int,
    packetsToResponder: int,
    packetsToInitiator: int,
    bytesToResponder: int,
    bytesToInitiator: int,
    firstSeen: num,
    lastSeen: num,
    operations: { type: 'object', additionalProperties: opSummary },
    facts: { type: 'object', additionalProperties: strs },
    fromZone: nullable(str),
    toZone: nullable(str),
    zoneStatus: nullable(str),
  },
} as const;

const pathEvidence = {
  type: 'object',
  properties: {
    pathId: str,
    initiator: str,
    responder: str,
    initiatorIp: str,
    responderIp: str,
    protocol: str,
    transport: str,
    responderPort: int,
    packets: int,
    firstSeen: num,
    lastSeen: num,
  },
};

const findingStatus = { type: 'string', enum: [...FINDING_STATUSES] } as const;

/** One status change (src/audit/lifecycle.ts's StatusChange): who ('audit' or a person) and why. */
export const findingEventSchema = {
  type: 'object',
  properties: { ts: num, status: findingStatus, actor: str, comment: nullable(str) },
} as const;

export const findingSchema = {
  type: 'object',
  properties: {
    id: str,
    rule: str,
    severity: str,
    // a line that tells the finding apart, and what to fix first (src/audit/finding.ts, priority.ts)
    title: str,
    priority: { type: 'object', properties: { rank: int, opClass: str, reason: str } },
    requirements: strs,
    subject: { type: 'object', properties: { kind: str, key: str, label: str } },
    explanation: str,
    remediation: str,
    zones: strs,
    conduit: str,
    evidence: {
      type: 'object',
      properties: {
        pathCount: int,
        packets: int,
        firstSeen: nullable(num),
        lastSeen: nullable(num),
        paths: { type: 'array', items: pathEvidence },
        operations: { type: 'array', items: { type: 'object', properties: { operation: str, count: int, examples: strs } } },
        facts: { type: 'object', additionalProperties: strs },
        details: strs,
      },
    },
    // the lifecycle (src/audit/lifecycle.ts): audit times in seconds; history only on GET /findings/:id and PATCH
    status: findingStatus,
    firstDetected: num,
    lastDetected: num,
    resolvedAt: nullable(num),
    reopenCount: int,
    ack: nullable({ type: 'object', properties: { by: str, reason: str, at: num } }),
    updatedAt: num,
    history: { type: 'array', items: findingEventSchema },
  },
} as const;

export const jobSchema = {
  type: 'object',
  properties: {
    id: str,
    kind: str,
    status: { type: 'string', enum: ['queued', 'running', 'done', 'failed', 'cancelled'] },
    size: int,
    progress: { type: 'object', properties: { bytes: int, packets: int } },
    attempts: int,
    createdBy: nullable(str),
    createdAt: str,
    startedAt: nullable(str),
    finishedAt: nullable(str),
    error: nullable(str),
    result: nullable({ type: 'object', additionalProperties: true }),
  },
} as const;

/** Standard error responses, for the OpenAPI document. */
export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, { $ref: 'Error#' }]));
