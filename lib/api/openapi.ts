/**
 * The OpenAPI 3.1 document of /api/v1, generated from the contract's zod schemas (zod's own JSON
 * Schema output, draft 2020-12, which OpenAPI 3.1 uses as is): what a route checks is what the
 * document says. Served at /api/v1/openapi.json and shown on the API page of the app.
 */
import { z } from 'zod';
import { PERMISSIONS } from '@/lib/domain/permissions';
import type { ApiEndpoint } from '@/lib/server/pipeline/api';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[] };

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' }) as JsonSchema;
  delete out.$schema;
  return out;
}

const problem = {
  type: 'object',
  description: 'RFC 9457 problem details; detail is the message the app shows for the same failure.',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    code: { type: 'string', enum: ['invalid_input', 'unauthenticated', 'forbidden', 'mfa_required', 'not_found', 'conflict', 'busy', 'too_large', 'unreadable', 'rate_limited', 'upstream', 'internal'] },
    requestId: { type: 'string' },
    errors: { type: 'object', additionalProperties: { type: 'string' }, description: 'Messages per input field' },
  },
  required: ['type', 'title', 'status', 'detail', 'code', 'requestId'],
};

const problemRef = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });

function parameters(e: ApiEndpoint): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const add = (schema: z.ZodObject | undefined, where: 'path' | 'query') => {
    if (!schema) return;
    const js = jsonSchema(schema, 'input');
    for (const [name, prop] of Object.entries(js.properties ?? {})) {
      const { description, ...rest } = prop;
      // Required when leaving it out fails (a default or a fallback makes it optional, whatever the JSON Schema says).
      const required = where === 'path' || !(schema.shape[name] as z.ZodType).safeParse(undefined).success;
      const note = e.notes?.[name] ?? (typeof description === 'string' ? description : undefined);
      out.push({ name, in: where, required, schema: rest, ...(note ? { description: note } : {}) });
    }
  };
  add(e.params, 'path');
  add(e.query, 'query');
  if (e.idempotent) {
    out.push({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 200 }, description: 'Repeat the same key to retry safely: the first answer is returned again (Idempotent-Replayed: true) instead of doing the work twice. Keys are kept 24 hours.' });
  }
  if (e.upload) out.push({ name: 'X-File-Name', in: 'header', required: false, schema: { type: 'string' }, description: "The file's name, URI-encoded (a label only)" });
  return out;
}

function operation(e: ApiEndpoint): Record<string, unknown> {
  const status = String(e.status ?? 200);
  const content: Record<string, unknown> = { 'application/json': { schema: jsonSchema(e.response, 'output') } };
  if (e.csv) content['text/csv'] = { schema: { type: 'string' } };
  const roles = PERMISSIONS[e.permission].join(', ');
  const op: Record<string, unknown> = {
    operationId: e.id,
    tags: [e.tag],
    summary: e.summary,
    description: `${e.description ? `${e.description}\n\n` : ''}Permission: \`${e.permission}\` (${roles}).${e.method === 'GET' ? ' Read-only tokens may call it.' : ' Not with a read-only token.'}`,
    'x-permission': e.permission,
    parameters: parameters(e),
    responses: {
      [status]: { description: 'Success', content, headers: { 'x-request-id': { $ref: '#/components/headers/RequestId' }, RateLimit: { $ref: '#/components/headers/RateLimit' } } },
      '400': problemRef('Invalid input: the detail names each field'),
      '401': problemRef('No token, or one that is unknown, revoked or expired'),
      '403': problemRef("The token owner's role does not allow it, the token is read-only, or MFA is required first"),
      '404': problemRef('No such object'),
      '429': { ...problemRef('Over the token\'s budget: wait Retry-After seconds'), headers: { 'Retry-After': { schema: { type: 'integer' } } } },
    },
  };
  if (e.body) op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(e.body, 'input') } } };
  if (e.upload) {
    op.requestBody = {
      required: true,
      description: 'The file itself (CSV, XLSX or JSON export), or multipart/form-data with one file part.',
      content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } }, 'text/csv': { schema: { type: 'string' } }, 'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'string', contentMediaType: 'application/octet-stream' } } } } },
    };
    (op.responses as Record<string, unknown>)['413'] = problemRef('Over the upload limit');
    (op.responses as Record<string, unknown>)['422'] = problemRef('The file cannot be read as an export');
  }
  if (e.method !== 'GET') (op.responses as Record<string, unknown>)['409'] = problemRef('A stale version, a taken name, or an object in another state');
  return op;
}

export function buildOpenApi(endpoints: readonly ApiEndpoint[], opts: { version?: string; serverUrl?: string } = {}): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const e of endpoints) (paths[e.path] ??= {})[e.method.toLowerCase()] = operation(e);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Paidline API',
      version: opts.version ?? '1',
      description:
        'Reconcile payment statuses across systems and report ROMI on revenue that was actually paid. Authenticate with a personal access token (Account -> API tokens): `Authorization: Bearer pl_...`. ' +
        'A token acts with its owner\'s role; read-only tokens may only GET. Amounts are integer minor units (cents) as strings. Lists page with `cursor` and `limit`. Every response carries x-request-id; errors are RFC 9457 problem+json.',
    },
    servers: [{ url: opts.serverUrl ?? '/api/v1' }],
    security: [{ bearer: [] }],
    tags: [...new Set(endpoints.map((e) => e.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A personal access token (pl_...)' } },
      schemas: { Problem: problem },
      headers: {
        RequestId: { description: 'The request id: quote it to support; the server logs carry it', schema: { type: 'string' } },
        RateLimit: { description: "The token's budget: limit, remaining, reset (seconds)", schema: { type: 'string' } },
      },
    },
  };
}
