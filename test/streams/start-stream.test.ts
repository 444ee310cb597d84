import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { CameraEntry } from '../../src/cameras/camera-file.js';
import { EventBus } from '../../src/events/bus.js';
import type { StreamEvents } from '../../src/events/stream-events.js';
import { SourceFailure } from '../../src/ffmpeg/failure.js';
import { SourceNotAllowed } from '../../src/security/source-hosts.js';
import { CapacityExceeded, StreamStopped } from '../../src/streams/errors.js';
import type { StartOptions, StartStatus } from '../../src/streams/manager.js';
import type { StreamOutput } from '../../src/streams/output.js';
import { createSourceGate } from '../../src/streams/source-gate.js';
import { createSourceResolver, type ResolvedSource } from '../../src/streams/sources.js';
import { createStartStream, type StartRequest } from '../../src/streams/start-stream.js';
import type { Stream } from '../../src/streams/stream.js';

const CAMERAS: Record<string, CameraEntry> = {
  gate: { url: 'rtsp://admin:pw@10.0.0.5/gate', detect: true },
  yard: { url: 'rtsp://10.0.0.6/yard', detect: false },
  hall: { url: 'rtsp://10.0.0.7/hall' },
};
const LINK = 'rtsp://cam.example/live';
const CHECKED = 'rtsp://192.0.2.10/live';

function output(kind: string): StreamOutput {
  return {
    kind,
    provesLiveness: false,
    usesPipe: false,
    decodes: undefined,
    prepare: async () => ({ args: [], open: () => ({ end() {} }) }),
    status: () => undefined,
    close() {},
  };
}

interface World {
  running?: { status: StartStatus; detecting: boolean };
  detectByDefault?: boolean;
  allowApiSources?: boolean;
  hostAllowed?: boolean;
  startFails?: Error;
  /** A fleet: who holds the camera's lease when this node asks ('me' takes it). */
  lease?: 'me' | 'node-b' | 'unknown';
}

/** The start service over a recording stand-in for the manager (whose own rules have tests of their own). */
function world({ running, detectByDefault = false, allowApiSources = true, hostAllowed = true, startFails, lease }: World = {}) {
  const calls: {
    join: number;
    start?: { id: string; source: ResolvedSource; options: StartOptions; kinds: string[] };
    hostChecks: string[];
    claims: string[];
    releases: string[];
  } = {
    join: 0,
    hostChecks: [],
    claims: [],
    releases: [],
  };
  const bus = new EventBus<StreamEvents>(pino({ level: 'silent' }));
  const events: Array<StreamEvents['start.finished']> = [];
  bus.on('start.finished', (event) => events.push(event));
  const startStream = createStartStream({
    manager: {
      join: async () => {
        calls.join += 1;
        return running?.status;
      },
      start: async (id, source, options) => {
        calls.start = { id, source, options, kinds: options.outputs(`/streams/${id}`).map((o) => o.kind) };
        if (startFails) throw startFails;
        return { status: 'started', created: true, stream: undefined as unknown as Stream };
      },
      get: () => (running ? ({ state: 'running' } as Stream) : undefined),
    },
    placement: lease && {
      claim: async (id) => {
        calls.claims.push(id);
        return lease === 'me' ? { kind: 'mine' } : lease === 'unknown' ? { kind: 'unknown' } : { kind: 'elsewhere', owner: lease };
      },
      release: async (id) => {
        calls.releases.push(id);
      },
    },
    resolveSource: createSourceResolver({
      demoEnabled: true,
      rtspTransport: 'tcp',
      cameras: { get: (id) => CAMERAS[id] },
      allowApiSources,
      apiLinks: { kinds: ['rtsp'], rtspSchemes: ['rtsp', 'rtsps'], maxLength: 2048 },
    }),
    checkSource: createSourceGate({
      checkHost: async (url) => {
        calls.hostChecks.push(url);
        if (!hostAllowed) throw new SourceNotAllowed('203.0.113.9 is outside the list');
        return url.replace('cam.example', '192.0.2.10');
      },
      hostsRestricted: true,
      followRedirects: async (url) => url,
      confineMedia: async (written) => `/media/${written}`,
    }),
    detection: async () => ({ framesOutput: () => output('detection') }),
    detectByDefault,
    baseOutputs: () => [output('hls')],
    recordingOutputs: () => [output('recording')],
    detectionCompanions: () => [],
    bus,
  });
  const existing = (detecting: boolean) =>
    ({ output: (kind: string) => (kind === 'detection' && detecting ? output(kind) : undefined) }) as unknown as Stream;
  return { startStream, calls, events, existing };
}

const start = (over: Partial<StartRequest> & { id: string }): StartRequest => ({ wait: true, ...over });

describe('the start service', () => {
  it.each<[string, World, StartRequest, { joined?: boolean; input?: unknown; kinds?: string[]; hostChecks?: string[]; error?: string }]>([
    ['an id alone joins its running stream', { running: { status: 'running', detecting: false } }, start({ id: 'gate' }), { joined: true }],
    [
      'a URL never just joins: the source is compared',
      { running: { status: 'running', detecting: false } },
      start({ id: 'cam', rtspLink: LINK }),
      { input: { kind: 'rtsp', url: CHECKED, transport: 'tcp' } },
    ],
    [
      'detect= never just joins: it is compared',
      { running: { status: 'running', detecting: false } },
      start({ id: 'hall', detect: false }),
      { kinds: ['hls'] },
    ],
    [
      'a registry camera starts by id, from its entry',
      {},
      start({ id: 'hall' }),
      { input: { kind: 'rtsp', url: CAMERAS.hall!.url, transport: 'tcp' }, hostChecks: [] },
    ],
    [
      'an API URL is checked against ALLOWED_SOURCE_HOSTS, and FFmpeg gets the checked address',
      {},
      start({ id: 'cam', rtspLink: LINK }),
      { input: { kind: 'rtsp', url: CHECKED, transport: 'tcp' }, hostChecks: [LINK] },
    ],
    [
      'an API URL outside the allowed hosts starts nothing',
      { hostAllowed: false },
      start({ id: 'cam', rtspLink: LINK }),
      { error: 'SourceNotAllowed' },
    ],
    ['the demo is configured: no host check', {}, start({ id: 'demo' }), { hostChecks: [], kinds: ['hls'] }],
    ['an unknown id without a URL needs one', {}, start({ id: 'cam' }), { error: 'SourceRequired' }],
    [
      'ALLOW_API_SOURCES=false refuses URLs',
      { allowApiSources: false },
      start({ id: 'cam', rtspLink: LINK }),
      { error: 'ApiSourcesDisabled' },
    ],
    ['ALLOW_API_SOURCES=false refuses unknown ids', { allowApiSources: false }, start({ id: 'cam' }), { error: 'CameraNotFound' }],
    ['a registry camera given another URL is a conflict', {}, start({ id: 'gate', rtspLink: LINK }), { error: 'SourceConflict' }],
    // Detection: the request, else the camera's entry, else DETECT_ENABLED.
    ['detect=true asks for detection', {}, start({ id: 'cam', rtspLink: LINK, detect: true }), { kinds: ['hls', 'detection'] }],
    ["detect=false wins over the entry's detect: true", {}, start({ id: 'gate', detect: false }), { kinds: ['hls'] }],
    ["the entry's detect: true wins over DETECT_ENABLED=false", {}, start({ id: 'gate' }), { kinds: ['hls', 'detection'] }],
    ["the entry's detect: false wins over DETECT_ENABLED=true", { detectByDefault: true }, start({ id: 'yard' }), { kinds: ['hls'] }],
    ['without either, DETECT_ENABLED decides (on)', { detectByDefault: true }, start({ id: 'hall' }), { kinds: ['hls', 'detection'] }],
    ['without either, DETECT_ENABLED decides (off)', {}, start({ id: 'cam', rtspLink: LINK }), { kinds: ['hls'] }],
  ])('%s', async (_name, setup, request, expected) => {
    const { startStream, calls } = world(setup);
    const result = startStream(request);
    if (expected.error) {
      await expect(result).rejects.toMatchObject({ name: expected.error });
      expect(calls.start).toBeUndefined();
      return;
    }
    const outcome = await result;
    if (expected.joined) {
      expect(outcome).toEqual({ status: 'running', created: false });
      expect(calls.start).toBeUndefined();
      return;
    }
    expect(outcome).toEqual({ status: 'started', created: true });
    if (expected.input) expect(calls.start?.source.input).toEqual(expected.input);
    if (expected.kinds) expect(calls.start?.kinds).toEqual(expected.kinds);
    if (expected.hostChecks) expect(calls.hostChecks).toEqual(expected.hostChecks);
  });

  it.each<[string, boolean, boolean | undefined, string | undefined]>([
    ['detect=false on a detecting stream', true, false, 'is already running with detection on; stop it first to switch'],
    ['detect=true on a stream without detection', false, true, 'is already running with detection off; stop it first to switch'],
    ['the same detect= as the running stream', true, true, undefined],
    ['no detect= joins whatever runs', true, undefined, undefined],
  ])('conflict rule: %s', async (_name, detecting, detect, conflict) => {
    const { startStream, calls, existing } = world();
    await startStream(start({ id: 'cam', rtspLink: LINK, detect }));
    expect(calls.start?.options.conflict?.(existing(detecting))).toBe(conflict);
    expect(calls.start?.options.requestedDetect).toBe(detect);
  });

  it('publishes each outcome: joined, started (timed only when it waited), failed with its cause, stopped', async () => {
    const joined = world({ running: { status: 'running', detecting: false } });
    await joined.startStream(start({ id: 'gate' }));
    expect(joined.events).toEqual([{ id: 'gate', result: 'joined' }]);

    const waited = world();
    await waited.startStream(start({ id: 'cam', rtspLink: LINK }));
    await waited.startStream(start({ id: 'cam', rtspLink: LINK, wait: false }));
    expect(waited.events).toEqual([
      { id: 'cam', result: 'started', seconds: expect.any(Number) },
      { id: 'cam', result: 'started', seconds: undefined },
    ]);

    const failing = world({ startFails: new SourceFailure({ cause: 'source_unauthorized', message: '401' }) });
    await expect(failing.startStream(start({ id: 'cam', rtspLink: LINK }))).rejects.toThrow('401');
    expect(failing.events).toEqual([{ id: 'cam', result: 'failed', seconds: expect.any(Number), cause: 'source_unauthorized' }]);

    const stopped = world({ startFails: new StreamStopped('cam') });
    await expect(stopped.startStream(start({ id: 'cam', rtspLink: LINK }))).rejects.toMatchObject({ code: 'stream_stopped' });
    expect(stopped.events).toEqual([{ id: 'cam', result: 'stopped' }]);
  });
});

describe('the start service in a fleet (a lease per camera)', () => {
  it('takes the lease before creating the stream', async () => {
    const { startStream, calls } = world({ lease: 'me' });
    await startStream(start({ id: 'cam', rtspLink: LINK }));
    expect(calls.claims).toEqual(['cam']);
    expect(calls.start?.id).toBe('cam');
    expect(calls.releases).toEqual([]);
  });

  it('refuses to create a stream whose lease another node holds, and starts nothing', async () => {
    const { startStream, calls } = world({ lease: 'node-b' });
    await expect(startStream(start({ id: 'cam', rtspLink: LINK }))).rejects.toMatchObject({ code: 'owned_elsewhere', owner: 'node-b' });
    expect(calls.start).toBeUndefined();
  });

  it('gives the lease back when the stream is not created after all', async () => {
    const { startStream, calls } = world({ lease: 'me', startFails: new CapacityExceeded(1) });
    await expect(startStream(start({ id: 'cam', rtspLink: LINK }))).rejects.toBeInstanceOf(CapacityExceeded);
    expect(calls.releases).toEqual(['cam']);
  });

  it('decides alone when Redis cannot say, and asks nothing for a stream that runs here', async () => {
    const alone = world({ lease: 'unknown' });
    await alone.startStream(start({ id: 'cam', rtspLink: LINK }));
    expect(alone.calls.start?.id).toBe('cam');
    const here = world({ lease: 'node-b', running: { status: 'running', detecting: false } });
    await here.startStream(start({ id: 'cam', rtspLink: LINK }));
    expect(here.calls.claims).toEqual([]);
  });
});
