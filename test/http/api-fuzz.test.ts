import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHlsArtefact } from '../../src/hls/layout.js';
import { type RunningNginx, startNginxFor } from '../support/nginx.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Property-based fuzzing of the whole HTTP surface with hostile input. For every
 * request: no 5xx; every error is JSON; no secret in any answer; and a refused
 * request changes nothing (no stream, no folder, no FFmpeg). At the end, FFmpeg
 * ran only for streams that were accepted, and nothing was written outside
 * STREAM_DIR. DNS cannot run here (no network), so names resolve through a
 * stand-in that answers with a documentation address; ALLOWED_SOURCE_HOSTS
 * lists an address nobody uses, so only the registry's camera is ever opened.
 */

const API_TOKEN = 'fuzz-api-token-0123456789';
const PASSWORD = 'fuzz-camera-Pa55word';
const REGISTERED = 'registered';
const INJECT_RUNS = 10_000;
const NGINX_RUNS = 1_000;

const ROUTES = [
  '/api/stream/start',
  '/api/stream/stop',
  '/api/stream/status',
  '/api/stream/token',
  '/api/stream/snapshot',
  '/api/streams',
  '/api/cameras',
  '/api/predict',
  '/api/health',
  '/api/playback/authorize',
  '/api/recordings',
  '/api/recordings/clip',
  '/api/recordings/snapshot',
  '/api/events',
  '/api/events/1764756000.000000-abcdef',
  '/api/events/1764756000.000000-abcdef/snapshot.jpg',
  '/api/events/1764756000.000000-abcdef/clip.mp4',
  '/api/events/..%2f..%2fetc/snapshot.jpg',
  '/metrics',
  '/',
  '/player',
  '/recordings',
  '/wall',
  '/events',
  // Not /api/stream/events nor /api/events/stream: a valid request to either is an event stream that never ends by design.
];
const HOSTILE = [
  'file:///etc/passwd',
  'concat:/etc/passwd|/etc/hosts',
  'subfile:,,start,0,end,0,,:/etc/passwd',
  '../../etc/passwd',
  '..%2f..%2fetc',
  'rtsp://127.0.0.1/x;rm -rf /',
  'rtsp://a/$(reboot)',
  'rtsp://a/`id`',
  'rtsp://a\u0000b/x',
  '-i /etc/passwd',
  '-f lavfi',
  'lavfi:testsrc',
  'pipe:1',
  'data:,hi',
  'tcp://127.0.0.1:22',
  'http://169.254.169.254/latest/meta-data',
  'rtsp://169.254.169.254/x',
  'rtsp://[::1]:554/x',
  'rtsp://localhost:8554/x',
  'rtsps://user:pass@10.0.0.1/x',
  'rtsp://0/x',
  'rtsp://2130706433/x',
  'rtsp:///x',
  'rtsp://%00/x',
  'rtsp://a:99999/x',
  'RTSP://EXAMPLE.COM/X',
  '\u202etxt.exe',
  'demo',
  REGISTERED,
  '',
  ' ',
  '\n',
  'true',
  '1',
  '-1',
  'null',
  '{}',
  '[]',
  'a'.repeat(70),
  `rtsp://x/${'a'.repeat(5000)}`,
];

const text = fc.oneof(
  fc.constantFrom(...HOSTILE),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.webUrl(),
  fc
    .tuple(
      fc.constantFrom('rtsp', 'rtsps', 'RTSP', 'file', 'concat', 'http', 'udp'),
      fc.string({ maxLength: 10 }),
      fc.domain(),
      fc.string({ maxLength: 20 }),
    )
    .map(([scheme, user, host, rest]) => `${scheme}://${user}@${host}/${rest}`),
);
const id = fc.oneof(
  fc.constantFrom(REGISTERED, 'demo', 'cam-1', '../x', 'a/b', '.', '..', 'CON', 'x'.repeat(65)),
  fc.stringMatching(/^[\w-]{1,64}$/),
  text,
);
const params = fc.dictionary(
  fc.constantFrom(
    'indicator_id',
    'rtsp_link',
    'wait',
    'detect',
    'token',
    'boxes',
    'start',
    'end',
    'at',
    'camera',
    'label',
    'cursor',
    'limit',
    'h',
    '__proto__',
    'constructor',
    'x',
  ),
  fc.oneof(id, text, fc.array(text, { maxLength: 3 })),
  { maxKeys: 5 },
);
const body = fc.oneof(
  fc.constant(undefined),
  fc.record({
    type: fc.constant('application/json'),
    payload: fc.oneof(
      params.map((p) => JSON.stringify(p)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      text,
    ),
  }),
  fc.record({
    type: fc.constant('application/x-www-form-urlencoded'),
    payload: params.map((p) => new URLSearchParams(Object.entries(p).map(([k, v]) => [k, String(v)])).toString()),
  }),
  fc.record({
    type: fc.constantFrom(
      'image/png',
      'image/jpeg',
      'application/octet-stream',
      'multipart/form-data; boundary=x',
      'text/plain',
      'application/xml',
    ),
    payload: text,
  }),
  fc.record({ type: fc.constant('application/json'), payload: fc.nat({ max: 100_000 }).map((n) => `{"indicator_id":"${'a'.repeat(n)}"}`) }),
);
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,60}$/);
const hostileRequest = fc.record({
  method: fc.constantFrom('GET', 'POST', 'GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD'),
  path: fc.oneof(
    fc.constantFrom(...ROUTES),
    fc
      .tuple(id, fc.oneof(fc.constant('stream.m3u8'), fc.stringMatching(/^[\w.%-]{1,20}(\.ts)?$/), text))
      .map(([i, file]) => `/streams/${encodeURIComponent(i)}/${encodeURIComponent(file)}`),
    fc.constantFrom(
      '/streams/..%2f..%2fetc/passwd',
      '/streams/%2e%2e/%2e%2e/package.json',
      '/%61pi/streams',
      '/api/stream/start/',
      '//api/streams',
      '/api/../metrics',
    ),
  ),
  query: fc.oneof(
    params.map((p) => (Object.keys(p).length ? `?${new URLSearchParams(Object.entries(p).map(([k, v]) => [k, String(v)]))}` : '')),
    fc.stringMatching(/^\?[\w%&=.;+-]{0,40}$/),
  ),
  body,
  authorization: fc.oneof(fc.constant(`Bearer ${API_TOKEN}`), fc.constant(`Bearer ${API_TOKEN}`), fc.constant(undefined), headerValue),
  forwardedFor: fc.option(headerValue, { nil: undefined }),
  range: fc.option(headerValue, { nil: undefined }),
});
// Now and then a request that should work, so that accepted streams exist while the hostile ones arrive.
const wellFormedRequest = fc.record({
  method: fc.constantFrom('GET', 'POST'),
  path: fc.constantFrom('/api/stream/start', '/api/stream/start', '/api/stream/stop'),
  query: fc.constant(`?indicator_id=${REGISTERED}&wait=false`),
  body: fc.constant(undefined),
  authorization: fc.constant(`Bearer ${API_TOKEN}`),
  forwardedFor: fc.constant(undefined),
  range: fc.constant(undefined),
});
const request = fc.oneof({ arbitrary: hostileRequest, weight: 40 }, { arbitrary: wellFormedRequest, weight: 1 });
type FuzzRequest = typeof request extends fc.Arbitrary<infer T> ? T : never;

describe('fuzzing the HTTP API with hostile input', () => {
  let sandbox: string;
  let spawnLog: string;
  let camera: RtspCamera;
  let t: TestApp;
  let nginx: RunningNginx;
  const accepted = new Set<string>();
  let starts = 0;

  beforeAll(async () => {
    camera = await startRtspCamera({ user: 'admin', password: PASSWORD });
    sandbox = await mkdtemp(path.join(os.tmpdir(), 'sm-fuzz-'));
    // FFmpeg behind a wrapper that notes every launch: the spawn path stays the real one.
    spawnLog = path.join(sandbox, 'spawns.log');
    const wrapper = path.join(sandbox, 'ffmpeg');
    const ffmpeg = execFileSync('sh', ['-c', 'command -v ffmpeg'], { encoding: 'utf8' }).trim();
    await writeFile(wrapper, `#!/bin/sh\necho "$STREAM_MANAGER_STREAM" >> '${spawnLog}'\nexec '${ffmpeg}' "$@"\n`);
    await chmod(wrapper, 0o755);
    await writeFile(
      path.join(sandbox, 'cameras.yml'),
      `cameras:\n  ${REGISTERED}:\n    url: ${camera.url.replace('rtsp://', `rtsp://admin:${PASSWORD}@`)}\n`,
    );
    await mkdir(path.join(sandbox, 'streams'));
    t = await startTestApp(
      {
        STREAM_DIR: path.join(sandbox, 'streams'),
        FFMPEG_PATH: wrapper,
        CAMERAS_FILE: path.join(sandbox, 'cameras.yml'),
        ALLOWED_SOURCE_HOSTS: '192.0.2.55',
        API_TOKEN,
        PLAYBACK_SECRET: 'fuzz-playback-secret-0123456789abcdef',
        DEMO_ENABLED: 'false',
        MAX_STREAMS: '4',
        // A sweep in the middle of a case would look like a refused request changing state.
        CLEANUP_DELAY_SECONDS: '3600',
        LOG_LEVEL: 'warn',
      },
      { lookup: async (hostname) => [{ address: hostname === 'localhost' ? '127.0.0.1' : '192.0.2.1', family: 4 }] },
    );
    nginx = await startNginxFor(t);
  }, 60_000);
  afterAll(async () => {
    await nginx?.stop();
    await t?.close();
    await camera?.stop();
    await rm(sandbox, { recursive: true, force: true });
  });

  const state = async () =>
    JSON.stringify([
      t.services.manager
        .list()
        .map((s) => s.id)
        .sort(),
      await t.streamFolders(),
    ]);

  /** The checks every answer must pass, whichever way it came. */
  async function check(
    req: FuzzRequest,
    status: number,
    headers: Record<string, string>,
    text: string,
    before: string,
    viaNginx = false,
  ): Promise<void> {
    expect(status, `${req.method} ${req.path}${req.query}`).toBeLessThan(500);
    expect(text).not.toContain(PASSWORD);
    expect(JSON.stringify(headers)).not.toContain(PASSWORD);
    // The daemon's errors are JSON; Nginx answers some malformed requests itself, in HTML.
    const fromDaemon = !viaNginx || String(headers['content-type']).startsWith('application/json');
    if (status >= 400 && req.method !== 'HEAD' && fromDaemon) {
      expect(JSON.parse(text)).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    }
    if (status >= 400) {
      expect(await state(), `${req.method} ${req.path}${req.query} answered ${status} but changed state`).toBe(before);
    } else if (req.path === '/api/stream/start') {
      starts++;
      for (const stream of t.services.manager.list()) accepted.add(stream.id);
      // wait=false answers before the folder exists; the next case must not see it appear.
      await waitFor(async () => (await t.streamFolders()).length === t.services.manager.list().length, {
        timeoutMs: 5000,
        what: 'the stream folder',
      });
    }
  }

  it(`survives ${INJECT_RUNS} hostile requests in process`, async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        runs++;
        const before = await state();
        const response = await t.app.inject({
          method: req.method as 'GET',
          url: `${req.path}${req.query}`,
          headers: {
            ...(req.authorization !== undefined ? { authorization: req.authorization } : {}),
            ...(req.forwardedFor !== undefined ? { 'x-forwarded-for': req.forwardedFor } : {}),
            ...(req.range !== undefined ? { range: req.range } : {}),
            ...(req.body ? { 'content-type': req.body.type } : {}),
          },
          ...(req.body && req.method !== 'GET' && req.method !== 'HEAD' ? { payload: req.body.payload } : {}),
        });
        await check(req, response.statusCode, response.headers as Record<string, string>, response.body, before);
      }),
      { numRuns: INJECT_RUNS, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
    console.log(`api fuzz: ${runs} cases in process, ${starts} stream start(s) accepted`);
    expect(runs).toBe(INJECT_RUNS);
  }, 300_000);

  it(`survives ${NGINX_RUNS} hostile requests through the real Nginx`, async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        runs++;
        const before = await state();
        const headers: Record<string, string> = {
          ...(req.authorization !== undefined ? { authorization: req.authorization } : {}),
          ...(req.forwardedFor !== undefined ? { 'x-forwarded-for': req.forwardedFor } : {}),
          ...(req.range !== undefined ? { range: req.range } : {}),
          ...(req.body ? { 'content-type': req.body.type } : {}),
        };
        const response = await fetch(`${nginx.baseUrl}${req.path}${req.query}`, {
          method: req.method,
          headers,
          ...(req.body && req.method !== 'GET' && req.method !== 'HEAD' ? { body: req.body.payload } : {}),
        });
        await check(req, response.status, Object.fromEntries(response.headers), await response.text(), before, true);
      }),
      { numRuns: NGINX_RUNS, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
    console.log(`api fuzz: ${runs} cases through Nginx, ${starts} stream start(s) accepted in all`);
    expect(runs).toBe(NGINX_RUNS);
  }, 300_000);

  it('ran FFmpeg only for accepted streams, and wrote nothing outside STREAM_DIR', async () => {
    // The wrapper logs the stream folder each FFmpeg was started for (the pid-record marker in its environment).
    const launches = (await readFile(spawnLog, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    const launchedIds = new Set(launches.map((folder) => path.basename(folder)));
    expect([...launchedIds].filter((launched) => !accepted.has(launched))).toEqual([]);
    if (accepted.size > 0) expect(launchedIds.size).toBeGreaterThan(0);
    expect((await readdir(sandbox)).sort()).toEqual(['cameras.yml', 'ffmpeg', 'spawns.log', 'streams']);
    for (const folder of await t.streamFolders()) {
      expect(accepted.has(folder), folder).toBe(true);
      for (const file of await readdir(path.join(t.streamDir, folder))) expect(isHlsArtefact(file), file).toBe(true);
    }
  });
});
