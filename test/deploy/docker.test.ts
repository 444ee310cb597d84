import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { startCommand } from '../support/daemon-process.js';

// No Docker engine runs here: the files are checked by reading them, and the
// command they run is the one the daemon lifecycle tests start for real.
const read = (file: string) => readFile(new URL(`../../${file}`, import.meta.url), 'utf8');

describe('Dockerfile', () => {
  it('runs what npm start runs, so signals reach the daemon without npm in between', async () => {
    const cmd = /^CMD (\[.*\])$/m.exec(await read('Dockerfile'))?.[1];
    expect(JSON.parse(cmd!)).toEqual(startCommand());
  });

  it('is multi-stage, non-root, health-checked, with FFmpeg and the model baked in', async () => {
    const dockerfile = await read('Dockerfile');
    expect(dockerfile.match(/^FROM node:20-bookworm-slim/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/apt-get install -y --no-install-recommends ffmpeg/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/api\/health/m);
    expect(dockerfile).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev/);
    expect(dockerfile).toMatch(/fetch-models\.sh/);
    for (const needed of ['src', 'public']) expect(dockerfile).toMatch(new RegExp(`^COPY ${needed} `, 'm'));
  });
});

describe('docker-compose.yml', () => {
  it('shares one streams volume between the daemon and Nginx, which uses nginx.conf', async () => {
    const compose = await read('docker-compose.yml');
    expect(compose).toMatch(/streams:\/var\/lib\/stream-manager\/streams\n/);
    expect(compose).toMatch(/streams:\/var\/lib\/stream-manager\/streams:ro/);
    expect(compose).toMatch(/\.\/nginx\.conf:\/etc\/nginx\/nginx\.conf:ro/);
    expect(compose).toMatch(/STREAM_DIR: \/var\/lib\/stream-manager\/streams/);
    // What the daemon keeps (footage, events) is in volumes of its own, outside the root-owned /app.
    for (const kept of ['recordings', 'events']) {
      expect(compose).toMatch(new RegExp(`- ${kept}:/var/lib/stream-manager/${kept}\n`));
      expect(await read('Dockerfile')).toMatch(new RegExp(`mkdir -p .*/var/lib/stream-manager/${kept}`));
    }
    expect(compose).toMatch(/RECORD_DIR: \/var\/lib\/stream-manager\/recordings/);
    expect(compose).toMatch(/EVENT_DIR: \/var\/lib\/stream-manager\/events/);
    // nginx.conf proxies to the service by this name.
    expect(await read('nginx.conf')).toContain('server stream-manager:8088;');
    expect(compose).toMatch(/^ {2}stream-manager:$/m);
  });
});
