import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { createApiTokenCheck } from '../../src/security/api-auth.js';
import { type RunningNginx, startNginxFor } from '../support/nginx.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const OLD = 'old-token-0123456789abcdef';
const NEW = 'new-token-fedcba9876543210';

describe('the API token check', () => {
  const bearing = (authorization?: string) => ({ headers: authorization === undefined ? {} : { authorization } }) as FastifyRequest;

  it('accepts any configured token as a bearer token, and nothing else', () => {
    const check = createApiTokenCheck([OLD, NEW]);
    expect(check(bearing(`Bearer ${OLD}`))).toBe(true);
    expect(check(bearing(`bearer ${NEW}`))).toBe(true);
    expect(check(bearing(`Bearer ${OLD}x`))).toBe(false);
    expect(check(bearing(`Bearer ${OLD.slice(0, -1)}`))).toBe(false);
    expect(check(bearing(OLD))).toBe(false);
    expect(check(bearing('Bearer '))).toBe(false);
    expect(check(bearing())).toBe(false);
    expect(createApiTokenCheck([])(bearing(`Bearer ${OLD}`))).toBe(false);
  });

  it('decides once per request', () => {
    const check = createApiTokenCheck([OLD]);
    const request = bearing(`Bearer ${OLD}`);
    expect(check(request)).toBe(true);
    request.headers.authorization = 'Bearer changed';
    expect(check(request)).toBe(true);
    expect(check(bearing('Bearer changed'))).toBe(false);
  });
});

describe('secrets from files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sm-secrets-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads API_TOKEN_FILE, several tokens for rotation', async () => {
    const file = path.join(dir, 'token');
    await writeFile(file, `${OLD},${NEW}\n`);
    expect(loadConfig({ API_TOKEN_FILE: file }).apiTokens).toEqual([OLD, NEW]);
  });

  it('reads PLAYBACK_SECRET_FILE the same way', async () => {
    const file = path.join(dir, 'playback');
    const secret = 'playback-secret-from-a-file-0123456789';
    await writeFile(file, `${secret}\n`);
    expect(loadConfig({ PLAYBACK_SECRET_FILE: file, API_TOKEN: OLD }).playback).toEqual({ secrets: [secret], ttlSeconds: 3600 });
  });

  it('refuses signed playback without API tokens, which would let anyone ask for a playback token', () => {
    expect(() => loadConfig({ PLAYBACK_SECRET: 'playback-secret-0123456789abcdef-0123' })).toThrow(/PLAYBACK_SECRET: needs API_TOKEN/);
  });

  it('names the variable when the file cannot be read, or when both forms are set', async () => {
    expect(() => loadConfig({ API_TOKEN_FILE: path.join(dir, 'missing') })).toThrow(/API_TOKEN_FILE: cannot read/);
    const file = path.join(dir, 'both');
    await writeFile(file, NEW);
    expect(() => loadConfig({ API_TOKEN: OLD, API_TOKEN_FILE: file })).toThrow(ConfigError);
  });

  it('refuses tokens too short to be secret, without echoing them', () => {
    let message = '';
    try {
      loadConfig({ API_TOKEN: 'short-secret' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('API_TOKEN');
    expect(message).not.toContain('short-secret');
  });
});

describe('API tokens and rate limits, directly and through Nginx', () => {
  let t: TestApp;
  let nginx: RunningNginx;

  beforeAll(async () => {
    t = await startTestApp({
      API_TOKEN: `${OLD},${NEW}`,
      RATE_LIMIT_MAX: '20',
      RATE_LIMIT_WINDOW_SECONDS: '60',
      CORS_ORIGINS: 'https://app.example',
    });
    nginx = await startNginxFor(t);
  }, 60_000);
  afterAll(async () => {
    await nginx?.stop();
    await t?.close();
  });

  for (const via of ['daemon', 'nginx'] as const) {
    const base = () => (via === 'daemon' ? t.baseUrl : nginx.baseUrl);
    // Through Nginx, each test plays its own client (X-Forwarded-For), so rate-limit budgets do not mix.
    const defaultClient = via === 'nginx' ? '203.0.113.10' : undefined;
    const get = (route: string, token?: string, ip = defaultClient) =>
      fetch(`${base()}${route}`, {
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(ip ? { 'x-forwarded-for': ip } : {}) },
      });

    it(`${via}: 401 without or with a wrong token, 200 with either current token; health stays open`, async () => {
      const missing = await get('/api/streams');
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toContain('Bearer');
      expect(await missing.json()).toEqual({ error: 'unauthorized', message: 'this endpoint needs Authorization: Bearer <API_TOKEN>' });
      const wrong = await get('/api/streams', 'not-the-token-at-all-0000');
      expect(wrong.status).toBe(401);
      expect(await wrong.json()).toMatchObject({ error: 'unauthorized', message: 'the API token is not valid' });
      for (const token of [OLD, NEW]) expect((await get('/api/streams', token)).status).toBe(200);
      expect((await get('/api/health')).status).toBe(200);
      // Nothing is started without a token.
      const start = await fetch(`${base()}/api/stream/start?indicator_id=x&rtsp_link=rtsp%3A%2F%2F127.0.0.1%3A1%2Fx`);
      expect(start.status).toBe(401);
      expect(t.services.manager.list()).toEqual([]);
    });

    it(`${via}: lets CORS preflights through`, async () => {
      const preflight = await fetch(`${base()}/api/stream/start`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    });

    it(`${via}: never throttles a caller with a valid API token (the backend), by default`, async () => {
      const client = via === 'daemon' ? undefined : '203.0.113.7';
      const statuses: number[] = [];
      // Three times RATE_LIMIT_MAX from one address: a backend calling start for every page view.
      for (let i = 0; i < 60; i++) statuses.push((await get('/api/streams', OLD, client)).status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(60);
    });
  }
});

describe('rate limits: anonymous callers keep one, token callers count apart', () => {
  const burst = async (base: string, n: number, token?: string) => {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) {
      statuses.push((await fetch(`${base}/api/streams`, { headers: token ? { authorization: `Bearer ${token}` } : {} })).status);
    }
    return statuses;
  };

  it('limits anonymous callers per client, with a JSON 429; health and HLS never', async () => {
    const t = await startTestApp({ RATE_LIMIT_MAX: '20', RATE_LIMIT_WINDOW_SECONDS: '60' });
    try {
      const statuses = await burst(t.baseUrl, 25);
      expect(statuses.filter((s) => s === 200)).toHaveLength(20);
      expect(statuses.at(-1)).toBe(429);
      const limited = await fetch(`${t.baseUrl}/api/streams`);
      expect(await limited.json()).toMatchObject({ error: 'rate_limited', message: expect.stringMatching(/try again in \d+ s/) });
      expect((await fetch(`${t.baseUrl}/api/health`)).status).toBe(200);
      expect((await fetch(`${t.baseUrl}/streams/none/stream.m3u8`)).status).toBe(404);
    } finally {
      await t.close();
    }
  });

  it('gives token callers RATE_LIMIT_TOKEN_MAX of their own when it is set', async () => {
    const t = await startTestApp({ API_TOKEN: OLD, RATE_LIMIT_MAX: '5', RATE_LIMIT_TOKEN_MAX: '30', RATE_LIMIT_WINDOW_SECONDS: '60' });
    try {
      const statuses = await burst(t.baseUrl, 32, OLD);
      expect(statuses.filter((s) => s === 200)).toHaveLength(30);
      expect(statuses.slice(30)).toEqual([429, 429]);
    } finally {
      await t.close();
    }
  });
});
