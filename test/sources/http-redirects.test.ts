import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSourceHostGuard } from '../../src/security/source-hosts.js';
import { createRedirectResolver } from '../../src/sources/http-redirects.js';
import { type HttpVideoServer, startHttpVideoServer } from '../support/http-video-server.js';

let root: string;
let allowed: HttpVideoServer;
let outside: HttpVideoServer;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'sm-redirects-'));
  await writeFile(path.join(root, 'clip.mp4'), 'bytes');
  // Two hosts on loopback: 127.0.0.2 answers on Linux without any set-up.
  outside = await startHttpVideoServer({ root, host: '127.0.0.2' });
  allowed = await startHttpVideoServer({
    root,
    redirects: {
      '/same.mp4': '/clip.mp4',
      '/away.mp4': `${outside.baseUrl}/clip.mp4`,
      '/twice.mp4': '/same.mp4',
      '/loop.mp4': '/loop.mp4',
      '/ftp.mp4': 'ftp://127.0.0.1/clip.mp4',
    },
  });
});
afterAll(async () => {
  await Promise.all([allowed?.stop(), outside?.stop()]);
  await rm(root, { recursive: true, force: true });
});

const resolver = () => createRedirectResolver({ checkHost: createSourceHostGuard(['127.0.0.1']), timeoutMs: 2000 });

describe('following an http source’s redirects before FFmpeg does', () => {
  it('ends where the chain ends, on allowed hosts, keeping credentials on their own origin', async () => {
    const follow = resolver();
    expect(await follow(`${allowed.baseUrl}/clip.mp4`, { configured: false })).toBe(`${allowed.baseUrl}/clip.mp4`);
    expect(await follow(`${allowed.baseUrl}/twice.mp4`, { configured: false })).toBe(`${allowed.baseUrl}/clip.mp4`);
    const withUser = allowed.baseUrl.replace('http://', 'http://viewer:s3cret@');
    expect(await follow(`${withUser}/same.mp4`, { configured: false })).toBe(`${withUser}/clip.mp4`);
  });

  it('refuses a redirect to a host outside ALLOWED_SOURCE_HOSTS, for API and configured sources alike, without touching it', async () => {
    const follow = resolver();
    const before = outside.requests.length;
    for (const configured of [false, true]) {
      await expect(follow(`${allowed.baseUrl}/away.mp4`, { configured })).rejects.toMatchObject({
        code: 'source_not_allowed',
        message: expect.stringMatching(/redirects to a host outside the allowed ones/),
      });
    }
    expect(outside.requests.length).toBe(before);
  });

  it('refuses an API source on a host outside the list before asking it anything', async () => {
    const before = outside.requests.length;
    await expect(resolver()(`${outside.baseUrl}/clip.mp4`, { configured: false })).rejects.toMatchObject({ code: 'source_not_allowed' });
    expect(outside.requests.length).toBe(before);
    // The operator's own host needs no entry.
    expect(await resolver()(`${outside.baseUrl}/clip.mp4`, { configured: true })).toBe(`${outside.baseUrl}/clip.mp4`);
  });

  it('refuses endless chains and redirects out of http(s)', async () => {
    await expect(resolver()(`${allowed.baseUrl}/loop.mp4`, { configured: false })).rejects.toMatchObject({ code: 'source_invalid_data' });
    await expect(resolver()(`${allowed.baseUrl}/ftp.mp4`, { configured: false })).rejects.toMatchObject({ code: 'source_not_allowed' });
  });

  it('says a server that is not there is unreachable', async () => {
    const gone = await startHttpVideoServer({ root });
    await gone.stop();
    await expect(
      createRedirectResolver({ checkHost: async () => {}, timeoutMs: 2000 })(`${gone.baseUrl}/clip.mp4`, { configured: true }),
    ).rejects.toMatchObject({
      code: 'source_unreachable',
    });
  });
});
