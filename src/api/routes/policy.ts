/**
 * GET /policy and PUT /policy: the zone/conduit policy as YAML text. A PUT is validated by zoning's
 * loader exactly like `otwatch policy check`; a broken one is refused with every error's line and
 * column and the current policy stays. An accepted one becomes current and the store is re-audited.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { formatPolicyError } from '../../audit/policy-load.js';
import { actorOf } from '../auth.js';
import { BODY_LIMIT } from '../constants.js';
import type { ApiContext } from '../context.js';
import { errors } from '../schemas.js';

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'text/plain'];

const versionSchema = {
  type: 'object',
  properties: {
    version: { type: 'integer' },
    createdAt: { type: 'string' },
    createdBy: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    text: { type: 'string' },
  },
} as const;

export async function policyRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> {
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));

  app.get(
    '/policy',
    {
      schema: {
        tags: ['policy'],
        summary: 'The current policy (YAML text) and who stored it',
        response: { 200: versionSchema, ...errors(401, 404) },
      },
    },
    async (_req, reply) =>
      ctx.policies.current() ??
      (reply as FastifyReply).code(404).send({ statusCode: 404, error: 'Not Found', message: 'no policy stored yet: PUT /api/v1/policy' }),
  );

  app.put<{ Body: string }>(
    '/policy',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['policy'],
        summary: 'Replace the policy (YAML body, admin); refused with line/column errors when invalid',
        // no minLength/maxLength: ajv checks them by counting the characters of the whole text (30 ms of the server's
        // thread for 900 KB); the size is bounded in bytes by the body limit, emptiness is checked below
        body: { type: 'string' },
        response: {
          200: {
            type: 'object',
            properties: {
              ...versionSchema.properties,
              audit: {
                anyOf: [
                  {
                    type: 'object',
                    properties: { findings: { type: 'integer' }, opened: { type: 'integer' }, resolved: { type: 'integer' } },
                  },
                  { type: 'null' },
                ],
              },
            },
          },
          ...errors(400, 401, 403, 415),
        },
      },
    },
    async (req, reply) => {
      if (typeof req.body !== 'string')
        return reply
          .code(415)
          .send({ statusCode: 415, error: 'Unsupported Media Type', message: `send the policy as YAML (Content-Type: ${YAML_TYPES[0]})` });
      if (req.body.length === 0)
        return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'empty policy: send the YAML text' });
      // validated in a worker thread: the server keeps answering while a large policy is checked
      const r = await ctx.policies.putOffThread(req.body, actorOf(req));
      if (!r.ok) {
        const kept = ctx.policies.current();
        return reply.code(400).send({
          statusCode: 400,
          error: 'Bad Request',
          message: `policy refused (${r.errors.length} error(s)); ${kept ? `version ${kept.version} stays current` : 'no policy is stored'}:\n${r.errors.map(formatPolicyError).join('\n')}`,
          errors: r.errors.map((e) => ({ line: e.line, col: e.col, path: e.path, message: e.message })),
        });
      }
      // the store audited again in a worker thread too: thousands of findings take seconds to judge and write
      let audit: Awaited<ReturnType<ApiContext['reauditOffThread']>> = null;
      try {
        audit = await ctx.reauditOffThread();
      } catch (err) {
        // the policy is stored and current; the next capture job or policy update audits again
        req.log.error({ err }, 're-audit after the policy update failed');
      }
      return { ...r.version, audit };
    },
  );
}
