import { z } from 'zod';
import { apiErrorSchema } from '../../lib/contracts/errors';
import { webhookPayloadSchema } from '../../lib/contracts/webhooks';
import { OPERATIONS, type Answer, type Operation } from './operations';

type JsonSchema = Record<string, unknown>;

/**
 * A zod contract as JSON Schema 2020-12 (OpenAPI 3.1's dialect): what a request may send (`input`) or what an answer
 * holds (`output`). Parts JSON Schema cannot say (a transform) are left open rather than refused.
 */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

const operationId = (op: Operation) =>
  op.method +
  op.path
    .replace(/^\/api/, '')
    .split(/[/.-]/)
    .filter(Boolean)
    .map((part) => (part.startsWith('{') ? `By${part.slice(1, 2).toUpperCase()}${part.slice(2, -1)}` : part.charAt(0).toUpperCase() + part.slice(1)))
    .join('');

function content(answer: Answer): JsonSchema | undefined {
  if ('json' in answer) return { 'application/json': { schema: jsonSchema(answer.json, 'output') } };
  if ('file' in answer) return { [answer.file]: { schema: answer.file === 'text/html' ? { type: 'string' } : { type: 'string', contentEncoding: 'binary' } } };
  if ('stream' in answer) return { [answer.stream]: { schema: { type: 'string' } } };
  return undefined;
}

function queryParameters(query: z.ZodType): JsonSchema[] {
  const schema = jsonSchema(query, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: schema.required?.includes(name) ?? false,
    schema: property,
  }));
}

function describe(op: Operation): JsonSchema {
  const pathParameters = [...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  const parameters = [...pathParameters, ...(op.query ? queryParameters(op.query) : [])];
  const body = op.body
    ? { required: true, content: { 'application/json': { schema: jsonSchema(op.body, 'input') } } }
    : op.multipart
      ? {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                properties: { [op.multipart.field]: { type: 'array', items: { type: 'string', contentEncoding: 'binary' }, description: op.multipart.description } },
                required: [op.multipart.field],
              },
            },
          },
        }
      : undefined;
  const ok = content(op.answer);
  return {
    operationId: operationId(op),
    tags: [op.tag],
    summary: op.summary,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(body ? { requestBody: body } : {}),
    responses: {
      [String(op.answer.status)]: { description: op.answer.status === 204 ? 'Done' : 'OK', ...(ok ? { content: ok } : {}) },
      '4XX': { $ref: '#/components/responses/Error' },
      '5XX': { $ref: '#/components/responses/Error' },
    },
  };
}

/** The OpenAPI 3.1 description of the whole `/api`, generated from the zod contracts and the route table. */
export function openApiDocument(version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of OPERATIONS) (paths[op.path] ??= {})[op.method] = describe(op);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Isengard API',
      version,
      description:
        'Photos of a person in, an identity LoRA and pictures of them out. Scripts authenticate with an API token ' +
        '(`Authorization: Bearer isg_…`); a browser with its session cookie and, on every change, the `X-CSRF-Token` ' +
        'of `GET /api/auth/session`. On a loopback-only instance no login is needed. Every error is `{error: {code, message, details?}}`.',
    },
    servers: [{ url: '/' }],
    tags: [...new Set(OPERATIONS.map((op) => op.tag))].map((name) => ({ name })),
    paths,
    webhooks: {
      jobEnded: {
        post: {
          summary: 'A job ended: sent to the instance webhook and to API tokens with a webhook',
          description:
            'Headers: `Isengard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body" with the secret>`, ' +
            '`Isengard-Delivery` (the same on every retry) and `Isengard-Event`. Answer 2xx to acknowledge; 408, 429, ' +
            '5xx or no answer are retried with backoff for 24 hours; any other answer gives up.',
          requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(webhookPayloadSchema, 'output') } } },
          responses: { '2XX': { description: 'Received' } },
        },
      },
    },
    components: {
      securitySchemes: {
        apiToken: { type: 'http', scheme: 'bearer', description: 'An API token (`isg_…`) from `POST /api/auth/tokens`' },
        session: { type: 'apiKey', in: 'cookie', name: 'isengard_session', description: 'The browser session of a login' },
      },
      responses: {
        Error: { description: 'The request was refused or failed', content: { 'application/json': { schema: jsonSchema(apiErrorSchema, 'output') } } },
      },
    },
    security: [{ apiToken: [] }, { session: [] }, {}],
  };
}
