import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface RtspCameraOptions {
  port?: number;
  path?: string;
  codec?: 'h264' | 'jpeg';
  width?: number;
  height?: number;
  fps?: number;
  keyintSeconds?: number;
  shared?: boolean;
  image?: string;
  audio?: 'none' | 'aac' | 'pcmu';
  user?: string;
  password?: string;
  /** How long to wait for the READY line. Default 15 s. */
  timeoutMs?: number;
}

export interface RtspClientCounts {
  /** Currently connected RTSP clients. */
  active: number;
  /** Highest `active` seen so far. */
  max: number;
  /** Connections ever accepted. */
  total: number;
}

export interface RtspCamera {
  /** rtsp://127.0.0.1:<port><path>, without credentials. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly clients: RtspClientCounts;
  waitForClients(predicate: (counts: RtspClientCounts) => boolean, timeoutMs?: number): Promise<RtspClientCounts>;
  /** SIGTERM, then SIGKILL after 3 s; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('../fixtures/rtsp-camera.py', import.meta.url));
const STDERR_LINES = 50;
const KILL_AFTER_MS = 3_000;

function toArgs(o: RtspCameraOptions): string[] {
  const args = ['--exit-on-stdin-close'];
  const add = (flag: string, value: string | number | undefined) => {
    if (value !== undefined) args.push(flag, String(value));
  };
  add('--port', o.port);
  add('--path', o.path);
  add('--codec', o.codec);
  add('--width', o.width);
  add('--height', o.height);
  add('--fps', o.fps);
  add('--keyint-seconds', o.keyintSeconds);
  add('--image', o.image);
  add('--audio', o.audio);
  add('--user', o.user);
  add('--password', o.password);
  if (o.shared) args.push('--shared');
  return args;
}

export async function startRtspCamera(options: RtspCameraOptions = {}): Promise<RtspCamera> {
  const python = process.env.RTSP_FIXTURE_PYTHON ?? '/usr/bin/python3';
  // stdin stays an open pipe: the fixture exits when it closes, i.e. when this process dies.
  const child = spawn(python, [SCRIPT, ...toArgs(options)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const counts: RtspClientCounts = { active: 0, max: 0, total: 0 };
  const stderrTail: string[] = [];
  const onChange = new Set<() => void>();
  const notify = () => onChange.forEach((listener) => listener());
  let exitReason: string | undefined;
  let ready: { port: number; url: string } | undefined;

  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitReason = `exited with ${signal ?? `code ${code}`}`;
      resolve();
      notify();
    });
    child.once('error', (err) => {
      exitReason ??= `failed to spawn ${python}: ${err.message}`;
      if (child.pid === undefined) resolve();
      notify();
    });
  });

  createInterface({ input: child.stderr }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > STDERR_LINES) stderrTail.shift();
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const readyMatch = /^READY port=(\d+) url=(\S+)$/.exec(line);
    const clientMatch = /^CLIENT_(?:CONNECTED|CLOSED) active=(\d+) total=(\d+)$/.exec(line);
    if (readyMatch) ready = { port: Number(readyMatch[1]), url: readyMatch[2]! };
    if (clientMatch) {
      counts.active = Number(clientMatch[1]);
      counts.total = Number(clientMatch[2]);
      counts.max = Math.max(counts.max, counts.active);
    }
    notify();
  });
  // An EPIPE here just means the fixture is already gone; 'exit' reports that.
  child.stdin.on('error', () => {});

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      child.kill('SIGTERM'); // child.kill targets child.pid and won't signal an already-reaped pid
      const killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
      await exited;
      clearTimeout(killTimer);
    })());

  const fail = (reason: string) =>
    new Error(`rtsp-camera fixture ${reason}\n--- last stderr lines ---\n${stderrTail.join('\n')}`);

  const timeoutMs = options.timeoutMs ?? 15_000;
  const started = await new Promise<{ port: number; url: string }>((resolve, reject) => {
    const timer = setTimeout(() => settle(`did not report READY within ${timeoutMs} ms`), timeoutMs);
    const settle = (error?: string) => {
      clearTimeout(timer);
      onChange.delete(check);
      if (error === undefined && ready) resolve(ready);
      else void stop().then(() => reject(fail(error ?? 'failed to start')));
    };
    const check = () => {
      if (ready) settle();
      else if (exitReason !== undefined) settle(`${exitReason} before READY`);
    };
    onChange.add(check);
    check();
  });

  const snapshot = (): RtspClientCounts => ({ ...counts });
  return {
    url: started.url,
    port: started.port,
    pid: child.pid!,
    get clients() {
      return snapshot();
    },
    stop,
    waitForClients(predicate, waitMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => done(new Error(`timed out after ${waitMs} ms waiting for RTSP clients; counts: ${JSON.stringify(counts)}`)),
          waitMs,
        );
        const done = (error?: Error) => {
          clearTimeout(timer);
          onChange.delete(check);
          if (error) reject(error);
          else resolve(snapshot());
        };
        const check = () => {
          if (predicate(snapshot())) done();
          else if (exitReason !== undefined) done(fail(`${exitReason} while waiting for RTSP clients`));
        };
        onChange.add(check);
        check();
      });
    },
  };
}
