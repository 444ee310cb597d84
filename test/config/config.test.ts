import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, configEnvNames, loadConfig } from '../../src/config/config.js';

describe('loadConfig', () => {
  it('keeps the seed names and documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8088,
      host: '0.0.0.0',
      streamDir: './streams',
      idleTimeoutMs: 30_000,
      cleanupIntervalMs: 10_000,
      hls: { segmentSeconds: 1, listSize: 6, variant: 'lowlatency', partSeconds: 0.12, partsOnDisk: false },
      maxStreams: 300,
      startTimeoutMs: 15_000,
      ffmpegPath: 'ffmpeg',
      ffmpegNice: 0,
      logRequests: true,
      docsEnabled: true,
      ffprobePath: 'ffprobe',
      allowedSchemes: ['rtsp', 'rtsps'],
      mediaDir: './media',
      allowApiFileSources: false,
      corsOrigins: ['*'],
      demoEnabled: false,
      detection: expect.objectContaining({
        enabled: false,
        modelPath: './models/blazeface-front-128.onnx',
        modelType: undefined,
        fps: 2,
        classifier: { topK: 5, normalization: 'imagenet' },
      }),
      predict: { maxFrames: 32, maxBodyBytes: 20 * 1024 * 1024, maxFrameBytes: 10 * 1024 * 1024, personLabels: ['person', 'face'] },
    });
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '127.0.0.1',
      STREAM_DIR: '/srv/hls',
      CLEANUP_DELAY_SECONDS: '60',
      CLEANUP_INTERVAL_SECONDS: '5',
      HLS_SEGMENT_TIME: '2',
      HLS_LIST_SIZE: '10',
      HLS_VARIANT: 'mpegts',
      HLS_PART_TIME: '0.3',
      HLS_PARTS_ON_DISK: 'true',
      MAX_STREAMS: '4',
      STREAM_START_TIMEOUT_SECONDS: '8',
      FFMPEG_PATH: '/opt/ffmpeg',
      FFPROBE_PATH: '/opt/ffprobe',
      LOG_LEVEL: 'warn',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      DEMO_ENABLED: 'yes',
      RTSP_TRANSPORT: 'udp',
      ALLOWED_SCHEMES: 'rtsps',
      AUDIO_ENABLED: 'false',
      AUDIO_TRANSCODE: '0',
      STOP_GRACE_SECONDS: '1.5',
      RESTART_BACKOFF_INITIAL_SECONDS: '1',
      RESTART_BACKOFF_MAX_SECONDS: '20',
      WATCHDOG_TIMEOUT_SECONDS: '12',
      TRANSCODE_PRESET: 'ultrafast',
      RTSP_LINK_MAX_LENGTH: '512',
      DETECT_ENABLED: 'true',
      DETECT_MODEL: '/m/yolo.onnx',
      DETECT_MODEL_TYPE: 'yolov8',
      DETECT_LABELS: '/m/labels.txt',
      DETECT_FPS: '1',
      DETECT_KEYFRAMES_ONLY: 'true',
      DETECT_THREADS: '2',
      DETECT_BATCH_SIZE: '4',
      DETECT_BATCH_TIMEOUT_MS: '20',
      CONFIDENCE_THRESHOLD: '0.3',
      IOU_THRESHOLD: '0.6',
      CLASSIFIER_TOP_K: '3',
      CLASSIFIER_NORMALIZATION: 'unit',
      PREDICT_MAX_FRAMES: '8',
      PREDICT_MAX_BYTES: '4096',
      PREDICT_MAX_FRAME_BYTES: '2048',
      PERSON_LABELS: 'Person, scuba diver',
      CAPTURE_DIR: '/data/capture',
      CAPTURE_EVERY_N: '5',
      SSE_HEARTBEAT_SECONDS: '5',
      API_TOKEN: 'first-token-0123456789, second-token-9876543210',
      RATE_LIMIT_MAX: '30',
      RATE_LIMIT_WINDOW_SECONDS: '10',
      TRUST_PROXY: '10.0.0.0/8',
      ALLOWED_SOURCE_HOSTS: '10.20.0.0/16,cam.local',
      PLAYBACK_SECRET: `${'k'.repeat(32)},${'o'.repeat(40)}`,
      PLAYBACK_TOKEN_TTL_SECONDS: '120',
      CAMERAS_FILE: '/etc/stream-manager/cameras.yml',
      ALLOW_API_SOURCES: 'false',
      MEDIA_DIR: '/srv/media',
      ALLOW_API_FILE_SOURCES: 'true',
      LOG_REQUESTS: 'false',
      DOCS_ENABLED: 'false',
      FFMPEG_NICE: '3',
    });
    expect(config).toEqual({
      port: 9000,
      host: '127.0.0.1',
      streamDir: '/srv/hls',
      idleTimeoutMs: 60_000,
      cleanupIntervalMs: 5000,
      hls: { segmentSeconds: 2, listSize: 10, variant: 'mpegts', partSeconds: 0.3, partsOnDisk: true },
      maxStreams: 4,
      startTimeoutMs: 8000,
      stopGraceMs: 1500,
      restartBackoff: { initialMs: 1000, maxMs: 20_000 },
      watchdogTimeoutMs: 12_000,
      ffmpegPath: '/opt/ffmpeg',
      ffmpegNice: 3,
      ffprobePath: '/opt/ffprobe',
      rtspTransport: 'udp',
      allowedSchemes: ['rtsps'],
      rtspLinkMaxLength: 512,
      audio: { enabled: false, transcode: false },
      transcodePreset: 'ultrafast',
      logLevel: 'warn',
      logRequests: false,
      docsEnabled: false,
      corsOrigins: ['https://a.example', 'https://b.example'],
      demoEnabled: true,
      detection: {
        enabled: true,
        modelPath: '/m/yolo.onnx',
        modelType: 'yolov8',
        labelsFile: '/m/labels.txt',
        classifier: { topK: 3, normalization: 'unit' },
        fps: 1,
        keyframesOnly: true,
        threads: 2,
        batchSize: 4,
        batchTimeoutMs: 20,
        confidenceThreshold: 0.3,
        iouThreshold: 0.6,
        capture: { dir: '/data/capture', everyN: 5 },
      },
      predict: { maxFrames: 8, maxBodyBytes: 4096, maxFrameBytes: 2048, personLabels: ['person', 'scuba diver'] },
      sseHeartbeatMs: 5000,
      apiTokens: ['first-token-0123456789', 'second-token-9876543210'],
      rateLimit: { max: 30, windowMs: 10_000, tokenMax: 0 },
      trustProxy: '10.0.0.0/8',
      allowedSourceHosts: ['10.20.0.0/16', 'cam.local'],
      playback: { secrets: ['k'.repeat(32), 'o'.repeat(40)], ttlSeconds: 120 },
      camerasFile: '/etc/stream-manager/cameras.yml',
      allowApiSources: false,
      mediaDir: '/srv/media',
      allowApiFileSources: true,
      archive: expect.anything(), // its own test below
      events: expect.anything(), // and so do these
    });
  });

  it('reads the recording and hand-off variables, secrets from files too', () => {
    expect(loadConfig({}).archive).toEqual({
      dir: './recordings',
      segmentSeconds: 60,
      retainHours: 168,
      maxBytes: undefined,
      minFreeBytes: 1024 ** 3,
      retentionIntervalMs: 60_000,
      s3: undefined,
      webhook: undefined,
      deleteLocalAfterUpload: false,
      queueMax: 10_000,
      retryMaxMs: 60_000,
    });
    const config = loadConfig({
      RECORD_DIR: '/srv/rec',
      RECORD_SEGMENT_SECONDS: '30',
      RECORD_RETAIN_HOURS: '24',
      RECORD_MAX_BYTES: '1000000',
      RECORD_MIN_FREE_BYTES: '5000',
      RECORD_RETENTION_INTERVAL_SECONDS: '5',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      S3_REGION: 'eu-west-1',
      S3_BUCKET: 'footage',
      S3_PREFIX: '/site-a/',
      S3_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      S3_SECRET_ACCESS_KEY: 'secret-key-example',
      S3_FORCE_PATH_STYLE: 'false',
      SEGMENT_WEBHOOK_URL: 'https://hooks.example/segments',
      SEGMENT_WEBHOOK_SECRET: 'webhook-secret-0123456789',
      SEGMENT_WEBHOOK_MODE: 'upload',
      UPLOAD_DELETE_LOCAL: 'true',
      UPLOAD_QUEUE_MAX: '50',
      UPLOAD_RETRY_MAX_SECONDS: '10',
    });
    expect(config.archive).toEqual({
      dir: '/srv/rec',
      segmentSeconds: 30,
      retainHours: 24,
      maxBytes: 1_000_000,
      minFreeBytes: 5000,
      retentionIntervalMs: 5000,
      s3: {
        endpoint: 'http://127.0.0.1:9000',
        region: 'eu-west-1',
        bucket: 'footage',
        prefix: 'site-a',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-key-example' },
        forcePathStyle: false,
      },
      webhook: { url: 'https://hooks.example/segments', secret: 'webhook-secret-0123456789', mode: 'upload' },
      deleteLocalAfterUpload: true,
      queueMax: 50,
      retryMaxMs: 10_000,
    });
  });

  it.each([
    [{ S3_ACCESS_KEY_ID: 'AKIDEXAMPLE', S3_BUCKET: 'b' }, /S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: set both/],
    [{ S3_ENDPOINT: 'http://127.0.0.1:9000' }, /S3_BUCKET: required/],
    [{ UPLOAD_DELETE_LOCAL: 'true' }, /UPLOAD_DELETE_LOCAL: needs S3_BUCKET/],
    [{ SEGMENT_WEBHOOK_URL: 'ftp://x.example/' }, /SEGMENT_WEBHOOK_URL/],
    [{ RECORD_SEGMENT_SECONDS: '0' }, /RECORD_SEGMENT_SECONDS/],
  ])('refuses inconsistent recording settings: %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads the event settings; MQTT credentials leave the URL, and MQTT_USERNAME/MQTT_PASSWORD win over it', () => {
    const config = loadConfig({
      EVENT_DIR: '/srv/events',
      EVENT_MIN_FRAMES: '5',
      EVENT_END_SECONDS: '2.5',
      MQTT_URL: 'mqtts://bob:p%40ss@broker.example:8883/',
      MQTT_TOPIC_PREFIX: '/site-a/',
      MQTT_HA_DISCOVERY: 'true',
      EVENT_WEBHOOK_URL: 'https://hooks.example/events',
      EVENT_WEBHOOK_SECRET: 'event-secret-0123456789',
    });
    expect(config.events).toMatchObject({
      dir: '/srv/events',
      minFrames: 5,
      minScore: 0.6,
      endMs: 2500,
      mqtt: {
        url: 'mqtts://broker.example:8883',
        username: 'bob',
        password: 'p@ss',
        topicPrefix: 'site-a',
        haDiscovery: true,
        queueMax: 10_000,
      },
      webhook: { url: 'https://hooks.example/events', secret: 'event-secret-0123456789', updates: false },
    });
    expect(loadConfig({ MQTT_URL: 'mqtt://bob:old@b.example', MQTT_PASSWORD: 'new' }).events.mqtt).toMatchObject({
      username: 'bob',
      password: 'new',
    });
    expect(loadConfig({}).events).toMatchObject({ mqtt: undefined, webhook: undefined, retainDays: 30 });
    expect(() => loadConfig({ MQTT_URL: 'http://broker.example' })).toThrow(/MQTT_URL: must be an mqtt:\/\/ or mqtts:\/\/ URL/);
    expect(() => loadConfig({ MQTT_TOPIC_PREFIX: 'a/#' })).toThrow(/MQTT_TOPIC_PREFIX/);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', STREAM_DIR: '  ' }).port).toBe(8088);
  });

  it('names every offending variable', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', HLS_LIST_SIZE: '1', DEMO_ENABLED: 'maybe', ALLOWED_SCHEMES: 'http', RTSP_TRANSPORT: 'sctp' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'HLS_LIST_SIZE', 'DEMO_ENABLED', 'ALLOWED_SCHEMES', 'RTSP_TRANSPORT']) {
      expect(problems).toContain(name);
    }
  });

  it('has every variable it reads in the README configuration table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## How it works'));
    // A row's first cell names one variable or a few (`S3_ACCESS_KEY_ID`, `S3_SECRET_ACCESS_KEY`).
    const firstCells = [...table.matchAll(/^\| ([^|]+) \|/gm)].map((m) => m[1]!);
    const rows = new Set(firstCells.flatMap((cell) => [...cell.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1])));
    expect(configEnvNames().length).toBeGreaterThan(50);
    expect(configEnvNames().filter((name) => !rows.has(name))).toEqual([]);
  });
});
