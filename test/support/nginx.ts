import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { renderNginxConf } from '../../src/deploy/nginx-conf.js';
import { freePort } from './ports.js';
import { waitFor } from './wait-for.js';

export interface RunningNginx {
  baseUrl: string;
  confFile: string;
  stop(): Promise<void>;
}

/** Nginx in front of a running daemon (a test app): its STREAM_DIR and its port. */
export function startNginxFor(daemon: { streamDir: string; baseUrl: string }, edit?: (conf: string) => string): Promise<RunningNginx> {
  return startNginx({ streamDir: daemon.streamDir, daemonPort: Number(new URL(daemon.baseUrl).port), ...(edit ? { edit } : {}) });
}

/**
 * The real Nginx (Debian's), from the project's own template, in the foreground
 * so that its pid is ours to stop.
 */
export async function startNginx({
  streamDir,
  daemonPort,
  fleet,
  edit = (conf) => conf,
}: {
  streamDir: string;
  daemonPort?: number;
  /** Several daemons' host:port: the fleet configuration (consistent hashing by stream id). */
  fleet?: string[];
  /** Changes the rendered configuration (a benchmark's variant); the tests use it as rendered. */
  edit?: (conf: string) => string;
}): Promise<RunningNginx> {
  const runtimeDir = await mkdtemp(path.join(os.tmpdir(), 'sm-nginx-'));
  // Workers (unprivileged when Nginx runs as root) keep the playback-check cache in here.
  await chmod(runtimeDir, 0o755);
  const port = await freePort();
  const confFile = path.join(runtimeDir, 'nginx.conf');
  await writeFile(
    confFile,
    edit(renderNginxConf({ streamDir, daemon: fleet?.join(',') ?? `127.0.0.1:${daemonPort}`, listen: `127.0.0.1:${port}`, runtimeDir })),
  );
  // Run as root, Nginx's workers drop to an unprivileged user: it must be able to read the segments.
  for (let dir = streamDir; dir !== path.dirname(dir) && dir.startsWith(os.tmpdir()); dir = path.dirname(dir)) {
    await chmod(dir, 0o755).catch(() => {});
  }
  await mkdir(streamDir, { recursive: true });
  const child: ChildProcess = spawn('nginx', ['-c', confFile, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk) => stderr.push(String(chunk)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT'); // graceful: workers finish, then exit
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    await rm(runtimeDir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr.join('')}`);
        return (
          (await fetch(`http://127.0.0.1:${port}/streams/`).then(
            (r) => r.status,
            () => 0,
          )) === 404
        );
      },
      { timeoutMs: 10_000, what: 'nginx to listen' },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl: `http://127.0.0.1:${port}`, confFile, stop };
}
