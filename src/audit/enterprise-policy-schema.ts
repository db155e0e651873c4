/**
 * The JSON Schema of the enterprise policy (the hub's policy for traffic between sites). Its flows and
 * operations are the site policy's own definitions (policy.schema.json), so a conduit flow reads the same in
 * both files; what differs is the zones: sites, each with its address plan, and an optional enterprise zone.
 */
import { POLICY_SCHEMA } from './schema-validate.js';

const siteDefinitions = POLICY_SCHEMA.definitions as Record<string, Record<string, unknown>>;

/** A site id as sensors name themselves (`--site`, a NATS subject token). */
export const SITE_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';

export const ENTERPRISE_SCHEMA: Record<string, unknown> = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://otwatch.invalid/schemas/enterprise-policy.schema.json',
  title: 'otwatch enterprise policy: traffic between sites (IEC 62443-3-2 zones and conduits across the WAN)',
  type: 'object',
  'x-expected': 'an enterprise policy mapping with version, sites and conduits',
  required: ['version', 'sites'],
  additionalProperties: false,
  properties: {
    version: { const: 1, 'x-expected': 'version: 1' },
    name: { type: 'string' },
    description: { type: 'string' },
    sites: { type: 'array', minItems: 1, items: { $ref: '#/definitions/site' }, 'x-expected': 'a non-empty list of sites' },
    enterprise: { $ref: '#/definitions/enterprise' },
    conduits: { type: 'array', items: { $ref: '#/definitions/conduit' }, 'x-expected': 'a list of conduits' },
  },
  definitions: {
    siteId: {
      type: 'string',
      pattern: SITE_ID_PATTERN,
      'x-expected': "a site id as the sensor's --site (letters, digits, '-' and '_', at most 64)",
    },
    level: siteDefinitions.level,
    ranges: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', minLength: 1, 'x-expected': 'a network 10.20.0.0/16, a range first-last or one address' },
      'x-expected': 'a non-empty list of networks (CIDR), ranges or addresses',
    },
    site: {
      type: 'object',
      'x-expected': 'a site with id and ranges',
      required: ['id', 'ranges'],
      additionalProperties: false,
      properties: {
        id: { $ref: '#/definitions/siteId' },
        name: { type: 'string', minLength: 1 },
        description: { type: 'string' },
        ranges: { $ref: '#/definitions/ranges' },
        sl_t: { $ref: '#/definitions/level' },
      },
    },
    enterprise: {
      type: 'object',
      'x-expected': 'the enterprise zone with ranges (corporate network, data centre)',
      required: ['ranges'],
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1 },
        description: { type: 'string' },
        ranges: { $ref: '#/definitions/ranges' },
        sl_t: { $ref: '#/definitions/level' },
      },
    },
    operation: siteDefinitions.operation,
    flow: siteDefinitions.flow,
    conduit: {
      type: 'object',
      'x-expected': 'a conduit with id, between (two sites) and flows',
      required: ['id', 'between', 'flows'],
      additionalProperties: false,
      properties: {
        id: siteDefinitions.id,
        name: { type: 'string' },
        description: { type: 'string' },
        between: {
          type: 'array',
          minItems: 2,
          maxItems: 2,
          items: { $ref: '#/definitions/siteId' },
          'x-expected': "a list of exactly two site ids (or 'enterprise')",
        },
        flows: { type: 'array', minItems: 1, items: { $ref: '#/definitions/flow' }, 'x-expected': 'a non-empty list of flows' },
        sl_t: { $ref: '#/definitions/level' },
        enforcement: { type: 'array', items: { type: 'string' }, 'x-expected': 'a list of enforcement notes such as vpn, firewall' },
        owner: { type: 'string' },
        notes: { type: 'string' },
      },
    },
  },
};
