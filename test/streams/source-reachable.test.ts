import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { acceptsConnections, probeAddress, waitUntilReachable } from '../../src/streams/source-reachable.js';
import { freePort } from '../support/ports.js';
import { waitFor } from '../support/wait-for.js';

describe('probeAddress', () => {
  it.each([
    ['rtsp://user:pw@10.0.0.5/stream1', { host: '10.0.0.5', port: 554 }],
    ['rtsps://cam.local/live', { host: 'cam.local', port: 322 }],
    ['rtsp://[2001:db8::5]:8554/x', { host: '2001:db8::5', port: 8554 }],
  ])('%s', (url, expected) => {
    expect(probeAddress({ kind: 'rtsp', url, transport: 'tcp' })).toEqual(expected);
  });

  it('has nothing to probe for a lavfi graph', () => {
    expect(probeAddress({ kind: 'lavfi', graph: 'testsrc2' })).toBeUndefined();
  });
});

describe('waitUntilReachable', () => {
  it('holds while nothing listens and returns soon after something does', async () => {
    const port = await freePort();
    expect(await acceptsConnections('127.0.0.1', port, 1000)).toBe(false);
    let reachable = false;
    let probes = 0;
    const probe = (host: string, p: number, timeoutMs: number) => {
      probes += 1;
      return acceptsConnections(host, p, timeoutMs);
    };
    const waiting = waitUntilReachable({ host: '127.0.0.1', port }, new AbortController().signal, { intervalMs: 50, probe }).then(() => {
      reachable = true;
    });
    await waitFor(() => probes >= 3, { what: 'three probes of the closed port' });
    expect(reachable).toBe(false);
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const listeningAt = Date.now();
      await waiting;
      expect(Date.now() - listeningAt).toBeLessThan(1000);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('ends when aborted', async () => {
    const controller = new AbortController();
    const waiting = waitUntilReachable({ host: '127.0.0.1', port: await freePort() }, controller.signal, { intervalMs: 50 });
    controller.abort();
    await waiting;
  });
});
