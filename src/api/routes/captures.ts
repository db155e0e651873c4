/**
 * POST /captures (admin): a pcap/pcapng upload, multipart or raw body, streamed to disk and analysed
 * by a job; GET /captures/:id: the job's status, progress and result; POST /captures/:id/cancel: stop it.
 */
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { rm } from 'node:fs/promises';
import { actorOf } from '../auth.js';
import { API_PREFIX, UPLOAD_RATE_MAX, UPLOAD_RATE_WINDOW_MS } from '../constants.js';
import type { ApiContext } from '../context.js';
import { storeUpload, type UploadOutcome } from '../upload.js';
import { errors, jobSchema } from '../schemas.js';

/** Raw-body content types accepted (the body is streamed, never parsed). */
export const RAW_CAPTURE_TYPES = ['application/vnd.tcpdump.pcap', 'application/x-pcapng', 'application/octet-stream', 'application/gzip'];
/** Multipart framing allowance on top of the file limit for the Content-Length pre-check. */
const MULTIPART_OVERHEAD = 64 * 1024;

function refuse(reply: FastifyReply, outcome: Exclude<UploadOutcome, { ok: true }>, limit: number): FastifyReply {
  // The client may still be sending: close the connection rather than read the rest.
  reply.header('connection', 'close');
  switch (outcome.reason) {
    case 'too_large':
      return reply
        .code(413)
        .send({ statusCode: 413, error: 'Payload Too Large', message: `capture larger than the upload limit of ${limit} bytes` });
    case 'empty':
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'empty upload: send a pcap or pcapng file' });
    case 'not_capture':
      return (reply as FastifyReply).code(415).send({
        statusCode: 415,
        error: 'Unsupported Media Type',
        message: 'not a pcap or pcapng capture (checked by its magic bytes, optionally gzip-compressed); nothing was stored',
      });
  }
}

export async function captureRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> {
  const limit = ctx.uploadLimit;
  await app.register(rateLimit, { global: false });
  await app.register(multipart, { limits: { fileSize: limit, files: 1, fields: 0, parts: 1, fieldNameSize: 100, headerPairs: 50 } });
  // Raw bodies are handed over as the request stream itself: streamed by the handler, never buffered.
  app.addContentTypeParser(RAW_CAPTURE_TYPES, (_req, payload, done) => done(null, payload));

  app.post(
    '/captures',
    {
      config: { role: 'admin', rateLimit: { max: UPLOAD_RATE_MAX, timeWindow: UPLOAD_RATE_WINDOW_MS } },
      bodyLimit: limit + MULTIPART_OVERHEAD,
      schema: {
        tags: ['captures'],
        summary: 'Upload a pcap/pcapng (multipart field or raw body, admin); 202 with the analysis job',
        consumes: ['multipart/form-data', ...RAW_CAPTURE_TYPES],
        response: { 202: jobSchema, ...errors(400, 401, 403, 413, 415, 429) },
      },
    },
    async (req, reply) => {
      const declared = Number(req.headers['content-length'] ?? NaN);
      if (declared > limit + (req.isMultipart() ? MULTIPART_OVERHEAD : 0)) return refuse(reply, { ok: false, reason: 'too_large' }, limit);
      const { id, file } = ctx.jobs.reserve();
      let outcome: UploadOutcome;
      if (req.isMultipart()) {
        const part = await req.file({ limits: { fileSize: limit } });
        if (!part) return refuse(reply, { ok: false, reason: 'empty' }, limit);
        // part.filename is the client's and is never used: the file is named by the job id.
        outcome = await storeUpload(part.file, file, limit);
        if (outcome.ok && part.file.truncated) {
          // busboy stopped at the limit: what was stored is a cut capture, not the upload.
          await rm(file, { force: true });
          outcome = { ok: false, reason: 'too_large' };
        }
      } else if (req.body && typeof (req.body as AsyncIterable<Buffer>)[Symbol.asyncIterator] === 'function') {
        outcome = await storeUpload(req.body as AsyncIterable<Buffer>, file, limit);
      } else {
        return (reply as FastifyReply).code(415).send({
          statusCode: 415,
          error: 'Unsupported Media Type',
          message: `send multipart/form-data or a raw body as one of ${RAW_CAPTURE_TYPES.join(', ')}`,
        });
      }
      if (!outcome.ok) return refuse(reply, outcome, limit);
      const job = ctx.jobs.enqueue(id, outcome.size, actorOf(req));
      ctx.metrics.uploads++;
      return reply.code(202).header('location', `${API_PREFIX}/captures/${job.id}`).send(job);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/captures/:id',
    {
      schema: {
        tags: ['captures'],
        summary: 'An analysis job: status, progress (bytes, packets) and result',
        params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } }, required: ['id'] },
        response: { 200: jobSchema, ...errors(400, 401, 404) },
      },
    },
    async (req, reply) =>
      ctx.jobs.get(req.params.id) ?? reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no job '${req.params.id}'` }),
  );

  app.post<{ Params: { id: string } }>(
    '/captures/:id/cancel',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['captures'],
        summary: 'Cancel a queued or running analysis job (admin): it stops at once, stores nothing and is never run again',
        params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } }, required: ['id'], additionalProperties: false },
        response: { 200: jobSchema, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const r = ctx.jobs.cancel(req.params.id, actorOf(req));
      if (!r) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no job '${req.params.id}'` });
      if (!r.cancelled)
        return reply.code(409).send({
          statusCode: 409,
          error: 'Conflict',
          message: `job '${req.params.id}' has ended already (${r.job.status}): nothing to cancel`,
        });
      return r.job;
    },
  );
}
