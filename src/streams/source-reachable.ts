import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Input } from '../ffmpeg/source-info.js';

const DEFAULT_PORTS: Record<string, number> = { 'rtsp:': 554, 'rtsps:': 322, 'http:': 80, 'https:': 443 };

/** Where a camera listens, for a TCP probe; undefined for sources that are not network cameras. */
export function probeAddress(input: Input): { host: string; port: number } | undefined {
  if (input.kind !== 'rtsp' && input.kind !== 'http') return undefined;
  try {
    const url = new URL(input.url);
    const port = url.port ? Number(url.port) : DEFAULT_PORTS[url.protocol];
    return port ? { host: url.hostname.replace(/^\[|\]$/g, ''), port } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether something accepts TCP connections there (within timeoutMs). */
export function acceptsConnections(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean) => {
      signal?.removeEventListener('abort', abort);
      socket.destroy();
      resolve(ok);
    };
    const abort = () => done(false);
    signal?.addEventListener('abort', abort, { once: true });
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/**
 * Resolves once the camera accepts connections again (or `signal` aborts).
 * A TCP connect costs next to nothing, where an FFmpeg attempt costs a process:
 * probing twice a second brings a returning camera back within half a second
 * without spawning anything while it is away.
 */
export async function waitUntilReachable(
  address: { host: string; port: number },
  signal: AbortSignal,
  { intervalMs = 500, probe = acceptsConnections } = {},
): Promise<void> {
  while (!signal.aborted) {
    if (await probe(address.host, address.port, Math.max(intervalMs, 1000), signal)) return;
    await sleep(intervalMs, undefined, { signal }).catch(() => {});
  }
}
