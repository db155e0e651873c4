/** GET /zones and /conduits: the current policy's model, each with what the traffic showed on it. */
import type { FastifyInstance } from 'fastify';
import { endLabel } from '../../audit/policy-semantics.js';
import type { Member } from '../../audit/policy-types.js';
import { conduitObservations, zoneObservations } from '../../store/zone-placement-repository.js';
import type { ApiContext } from '../context.js';
import { errors } from '../schemas.js';

const str = { type: 'string' } as const;
const num = { type: 'number' } as const;
const int = { type: 'integer' } as const;
const slt = { type: 'object', additionalProperties: { anyOf: [num, { type: 'null' }] } } as const;
const member = { type: 'object', properties: { kind: str, value: { anyOf: [str, num] } } } as const;

const member2json = (m: Member) => ({ kind: m.kind, value: m.value });

export async function policyModelRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> {
  app.get(
    '/zones',
    {
      schema: {
        tags: ['policy'],
        summary: 'Zones of the current policy with the assets and traffic observed in each',
        response: {
          200: {
            type: 'object',
            properties: {
              policyVersion: { anyOf: [int, { type: 'null' }] },
              zones: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: str,
                    name: str,
                    description: str,
                    level: { anyOf: [num, { type: 'null' }] },
                    slt,
                    members: { type: 'array', items: member },
                    exclude: { type: 'array', items: member },
                    observed: {
                      type: 'object',
                      properties: {
                        assets: int,
                        roles: { type: 'object', additionalProperties: int },
                        pathsOut: int,
                        pathsIn: int,
                        pathsInside: int,
                      },
                    },
                  },
                },
              },
              unzonedAssets: int,
            },
          },
          ...errors(401),
        },
      },
    },
    async () => {
      const policy = ctx.policies.policy();
      const observed = zoneObservations(ctx.store.db);
      return {
        policyVersion: ctx.policies.current()?.version ?? null,
        zones: (policy?.zones ?? []).map((z) => ({
          id: z.id,
          name: z.name,
          description: z.description,
          level: z.level,
          slt: z.slt,
          members: z.members.map(member2json),
          exclude: z.exclude.map(member2json),
          observed: observed(z.id),
        })),
        unzonedAssets: policy ? observed('unzoned').assets : 0,
      };
    },
  );

  app.get(
    '/conduits',
    {
      schema: {
        tags: ['policy'],
        summary: 'Conduits of the current policy with the traffic observed on each',
        response: {
          200: {
            type: 'object',
            properties: {
              policyVersion: { anyOf: [int, { type: 'null' }] },
              conduits: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: str,
                    name: str,
                    description: str,
                    a: str,
                    b: str,
                    slt,
                    confidentiality: { anyOf: [{ type: 'boolean' }, { type: 'null' }] },
                    enforcement: { type: 'array', items: str },
                    owner: str,
                    expires: { anyOf: [str, { type: 'null' }] },
                    flows: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: {
                          protocol: str,
                          transport: { anyOf: [str, { type: 'null' }] },
                          ports: { type: 'array', items: int },
                          initiator: str,
                          allow: { anyOf: [{ type: 'array', items: str }, { type: 'null' }] },
                          deny: { type: 'array', items: str },
                        },
                      },
                    },
                    observed: {
                      type: 'object',
                      properties: {
                        paths: int,
                        packets: int,
                        protocols: { type: 'array', items: str },
                        firstSeen: { anyOf: [num, { type: 'null' }] },
                        lastSeen: { anyOf: [num, { type: 'null' }] },
                        findings: int,
                      },
                    },
                  },
                },
              },
            },
          },
          ...errors(401),
        },
      },
    },
    async () => {
      const policy = ctx.policies.policy();
      const observed = conduitObservations(ctx.store.db);
      return {
        policyVersion: ctx.policies.current()?.version ?? null,
        conduits: (policy?.conduits ?? []).map((c) => {
          return {
            id: c.id,
            name: c.name,
            description: c.description,
            a: endLabel(c.a),
            b: endLabel(c.b),
            slt: c.slt,
            confidentiality: c.confidentiality,
            enforcement: c.enforcement,
            owner: c.owner,
            expires: c.expiresText ?? null,
            flows: c.flows.map((f) => ({
              protocol: f.protocol,
              transport: f.transport,
              ports: f.ports,
              initiator: f.initiator,
              allow: f.allow,
              deny: f.deny,
            })),
            observed: observed(c.id),
          };
        }),
      };
    },
  );
}
