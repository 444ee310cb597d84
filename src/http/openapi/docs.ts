import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { OPEN_PATHS } from '../../security/api-auth.js';

export const DOCS_PREFIX = '/docs';

type Security = Array<Record<string, string[]>>;

/**
 * Who may call a route, read from the same facts requireApiToken enforces: /api/*
 * needs the API token except the open paths, routes marked playbackAccess also take
 * a playback token, and HLS takes a playback token when playback is signed.
 */
function securityOf(route: RouteOptions): Security {
  if (route.url.startsWith('/streams/')) return [{}, { playbackToken: [] }];
  if (!route.url.startsWith('/api/') || OPEN_PATHS.has(route.url)) return [];
  return route.config?.playbackAccess ? [{ apiToken: [] }, { playbackToken: [] }] : [{ apiToken: [] }];
}

interface ContentMap {
  content: Record<string, { schema: unknown }>;
}

function isContentMap(body: unknown): body is ContentMap {
  return typeof body === 'object' && body !== null && 'content' in body;
}

function bodyContent({ content }: ContentMap) {
  const converted = Object.entries(content).map(([type, { schema }]) => [
    type,
    { schema: schema instanceof z.ZodType ? z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) : schema },
  ]);
  return { content: Object.fromEntries(converted) };
}

const DESCRIPTION = `Starts camera streams on demand and serves them as HLS; detection, tracked events and recordings of the same streams.

Errors are JSON: \`{"error": "<code>", "message": "…"}\`; \`error\` is a stable code to branch on, \`message\` is for people.`;

/** The OpenAPI 3.1 document of every route (at /docs/json and /docs/yaml) and Swagger UI at /docs, all from npm packages. */
export async function registerDocs(app: FastifyInstance, { version }: { version: string }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'stream-manager', version, description: DESCRIPTION },
      tags: [
        { name: 'streams', description: 'Starting, stopping and watching camera streams' },
        { name: 'hls', description: 'The streams themselves (Nginx serves these in production)' },
        { name: 'detection', description: 'Object detection on streams and on posted pictures' },
        { name: 'events', description: 'Tracked objects: stored events, their pictures and clips, live changes' },
        { name: 'recordings', description: 'Footage and snapshots of recorded cameras' },
        { name: 'operations', description: 'Health and metrics' },
        { name: 'pages', description: 'The bundled web pages' },
      ],
      components: {
        securitySchemes: {
          apiToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'One of API_TOKEN (comma-separated). Needed on /api/* only when API_TOKEN is set.',
          },
          playbackToken: {
            type: 'apiKey',
            in: 'query',
            name: 'token',
            description: 'A playback token of the stream named by indicator_id, from a start call (PLAYBACK_SECRET).',
          },
        },
      },
    },
    transform: (input) => {
      // A body of several media types (a picture, or a JSON batch) is converted here: the library takes one zod body.
      const { body, ...rest } = (input.schema ?? {}) as { body?: unknown };
      const bodies = isContentMap(body) ? body : undefined;
      const { schema, url } = jsonSchemaTransform({ ...input, schema: bodies ? rest : input.schema });
      if (input.route.schema?.hide) return { schema, url };
      return { schema: { ...schema, ...(bodies ? { body: bodyContent(bodies) } : {}), security: securityOf(input.route) }, url };
    },
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    uiConfig: { tryItOutEnabled: true, displayRequestDuration: true, defaultModelsExpandDepth: 0 },
    staticCSP: true,
  });
}
