import Fastify, { type FastifySchema } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { registerDocs } from '../../../src/http/openapi/docs.js';
import { useZodRouteSchemas } from '../../../src/http/openapi/schema-compilers.js';
import { watchContract } from '../../support/contract.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

interface Operation {
  summary?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  responses: Record<string, unknown>;
}
type Paths = Record<string, Record<string, Operation>>;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ API_TOKEN: 'docs-secret-token' });
});
afterAll(() => t?.close());

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and lists every route the app has, each with a summary, a tag and a success answer', async () => {
    const response = await fetch(`${t.baseUrl}/docs/json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as { openapi: string; paths: Paths };
    expect(doc.openapi).toBe('3.1.0');
    // Every route Fastify knows (its printed tree, joined back into paths), but Swagger UI's own,
    // the static files (hidden by @fastify/static), HEAD twins and OPTIONS.
    const routes = new Set<string>();
    const stack: string[] = [];
    for (const line of t.app.printRoutes({ commonPrefix: false }).split('\n')) {
      const match = /^([\s│├└─]*)(\S+) \(([A-Z, ]+)\)$/.exec(line);
      if (!match) continue;
      const [, indent, segment, methods] = match;
      const depth = indent!.length / 4;
      const parent = stack[depth - 1] ?? '';
      stack[depth] = parent.endsWith('/') || segment!.startsWith('/') ? parent + segment : `${parent}/${segment}`;
      stack.length = depth + 1;
      const url = stack[depth]!;
      if (url.startsWith('/docs') || url.endsWith('*')) continue;
      for (const method of methods!.split(', ').filter((m) => m !== 'HEAD' && m !== 'OPTIONS')) routes.add(`${method} ${url}`);
    }
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
      ),
    );
    expect(routes.size).toBeGreaterThan(25);
    expect([...routes].filter((route) => !documented.has(route))).toEqual([]);
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect.soft(operation.summary, `${method} ${path}`).toBeTruthy();
        expect.soft(operation.tags?.length, `${method} ${path}`).toBe(1);
        expect
          .soft(
            Object.keys(operation.responses).some((status) => status.startsWith('2')),
            `${method} ${path}`,
          )
          .toBe(true);
      }
    }
  });

  it('says who may call what: the API token on /api/*, a playback token where a player may, nothing on health', async () => {
    const doc = (await (await fetch(`${t.baseUrl}/docs/json`)).json()) as { paths: Paths; components: { securitySchemes: object } };
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiToken', 'playbackToken']);
    expect(doc.paths['/api/stream/start']!.get!.security).toEqual([{ apiToken: [] }]);
    expect(doc.paths['/api/stream/status']!.get!.security).toEqual([{ apiToken: [] }, { playbackToken: [] }]);
    expect(doc.paths['/api/health']!.get!.security).toEqual([]);
    expect(doc.paths['/streams/{id}/stream.m3u8']!.get!.security).toEqual([{}, { playbackToken: [] }]);
    // And the answers that enforcing it gives are documented where it applies.
    expect(doc.paths['/api/stream/start']!.get!.responses['401']).toBeDefined();
    expect(doc.paths['/api/health']!.get!.responses['401']).toBeUndefined();
  });

  it('is served as YAML too, the same document', async () => {
    const [json, yaml] = await Promise.all([
      fetch(`${t.baseUrl}/docs/json`).then((r) => r.json()),
      fetch(`${t.baseUrl}/docs/yaml`).then(async (r) => parse(await r.text())),
    ]);
    expect(yaml).toEqual(json);
  });

  it('opens without the API token, like the other pages, and loads nothing from elsewhere', async () => {
    const page = await fetch(`${t.baseUrl}/docs`, { redirect: 'follow' });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('swagger-ui');
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((source) => /^(https?:)?\/\//.test(source))).toEqual([]);
    for (const source of sources) {
      const asset = await fetch(new URL(source, page.url));
      expect(asset.status, source).toBe(200);
    }
    // The API itself still wants the token.
    expect((await fetch(`${t.baseUrl}/api/streams`)).status).toBe(401);
  });
});

describe('DOCS_ENABLED=false', () => {
  it('serves neither the document nor the UI, and the API answers as before', async () => {
    const off = await startTestApp({ DOCS_ENABLED: 'false', DEMO_ENABLED: 'true' });
    try {
      for (const path of ['/docs', '/docs/json', '/docs/yaml', '/docs/static/index.html']) {
        expect((await fetch(`${off.baseUrl}${path}`)).status, path).toBe(404);
      }
      expect((await fetch(`${off.baseUrl}/api/health`)).status).toBe(200);
      const start = await fetch(`${off.baseUrl}/api/stream/start?indicator_id=nope%2F`);
      expect(start.status).toBe(400);
    } finally {
      await off.close();
    }
  });
});

describe('the contract check of the test apps', () => {
  it('catches an answer that does not match its schema, and a status the document does not list', async () => {
    const app = Fastify();
    useZodRouteSchemas(app);
    await registerDocs(app, { version: 'test' });
    const schema: FastifySchema = { summary: 'x', response: { 200: z.object({ count: z.number() }) } };
    app.get('/thing', { schema }, async (request, reply) => {
      const { mode } = request.query as { mode?: string };
      if (mode === 'teapot') return reply.code(418).send({ count: 1 });
      return mode === 'wrong' ? { count: 'many' } : { count: 2 };
    });
    const contract = watchContract(app);
    await app.ready();
    try {
      expect((await app.inject('/thing')).json()).toEqual({ count: 2 });
      expect(contract.violations).toEqual([]);
      await app.inject('/thing?mode=wrong');
      await app.inject('/thing?mode=teapot');
      expect(contract.violations).toEqual([
        expect.stringMatching(/^GET \/thing 200: .*count must be number/),
        'GET /thing 418: status not in the document',
      ]);
    } finally {
      await app.close();
    }
  });
});
