/** GET /zones and /conduits: the current policy's model, each with what the traffic showed on it. */
import type { FastifyInstance } from 'fastify';
import { endLabel } from '../../audit/policy-semantics.js';
import type { Member } from '../../audit/policy-types.js';
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
      const db = ctx.store.db;
      const byRole = db.prepare(
        'SELECT a.role, COUNT(*) AS n FROM asset_zones z JOIN assets a ON a.id = z.asset_id WHERE z.zone = ? GROUP BY a.role',
      );
      const roles = (zone: string) => byRole.all(zone);
      const count = (sql: string) => db.prepare(sql).pluck();
      const assets = count('SELECT COUNT(*) FROM asset_zones WHERE zone = ?');
      const out = count('SELECT COUNT(*) FROM path_zones WHERE from_zone = ? AND to_zone != from_zone');
      const into = count('SELECT COUNT(*) FROM path_zones WHERE to_zone = ? AND to_zone != from_zone');
      const inside = count('SELECT COUNT(*) FROM path_zones WHERE from_zone = ? AND to_zone = from_zone');
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
          observed: {
            assets: assets.get(z.id) as number,
            roles: Object.fromEntries((roles(z.id) as { role: string; n: number }[]).map((r) => [r.role, r.n])),
            pathsOut: out.get(z.id) as number,
            pathsIn: into.get(z.id) as number,
            pathsInside: inside.get(z.id) as number,
          },
        })),
        unzonedAssets: policy ? (assets.get('unzoned') as number) : 0,
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
      const db = ctx.store.db;
      const seen = db.prepare(`SELECT COUNT(*) AS paths, COALESCE(SUM(p.packets_to_responder + p.packets_to_initiator), 0) AS packets,
      GROUP_CONCAT(DISTINCT p.protocol) AS protocols, MIN(p.first_seen) AS firstSeen, MAX(p.last_seen) AS lastSeen
      FROM path_conduits c JOIN paths p ON p.id = c.path_id WHERE c.conduit = ?`);
      const findings = db.prepare("SELECT COUNT(*) FROM findings WHERE conduit = ? AND status != 'resolved'").pluck();
      return {
        policyVersion: ctx.policies.current()?.version ?? null,
        conduits: (policy?.conduits ?? []).map((c) => {
          const o = seen.get(c.id) as {
            paths: number;
            packets: number;
            protocols: string | null;
            firstSeen: number | null;
            lastSeen: number | null;
          };
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
            observed: { ...o, protocols: o.protocols ? o.protocols.split(',').sort() : [], findings: findings.get(c.id) as number },
          };
        }),
      };
    },
  );
}
