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
  /** With image: the image for this long, then a grey picture as long, and so on. */
  blinkSeconds?: number;
  /** ball (default): cheap to encode; moving: every macroblock changes every frame; clock: the wall-clock time in every frame. */
  pattern?: 'ball' | 'moving' | 'clock';
  audio?: 'none' | 'aac' | 'pcmu';
  user?: string;
  password?: string;
  /** How long to wait for the READY line. Default 15 s. */
  timeoutMs?: number;
}

/** active: connected now; max: highest active seen; total: connections ever accepted. */
export interface RtspClientCounts {
  active: number;
  max: number;
  total: number;
}

export interface RtspCamera {
  /** rtsp://127.0.0.1:<port><path>, without credentials. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly clients: RtspClientCounts;
  /** With blinkSeconds: each switch after the first picture, and when the fixture made it (epoch ms). */
  readonly blinks: ReadonlyArray<{ showing: 'image' | 'blank'; at: number }>;
  waitForClients(predicate: (counts: RtspClientCounts) => boolean, timeoutMs?: number): Promise<RtspClientCounts>;
  /** SIGTERM, then SIGKILL after 3 s; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('../fixtures/rtsp-camera.py', import.meta.url));
const STDERR_LINES = 50;
const KILL_AFTER_MS = 3_000;

function toArgs(o: RtspCameraOptions): string[] {
  const flags: [string, string | number | undefined][] = [
    ['--port', o.port],
    ['--path', o.path],
    ['--codec', o.codec],
    ['--width', o.width],
    ['--height', o.height],
    ['--fps', o.fps],
    ['--keyint-seconds', o.keyintSeconds],
    ['--image', o.image],
    ['--blink-seconds', o.blinkSeconds],
    ['--pattern', o.pattern],
    ['--audio', o.audio],
    ['--user', o.user],
    ['--password', o.password],
  ];
  const args = flags.flatMap(([flag, value]) => (value === undefined ? [] : [flag, String(value)]));
  return [...args, ...(o.shared ? ['--shared'] : []), '--exit-on-stdin-close'];
}

export async function startRtspCamera(options: RtspCameraOptions = {}): Promise<RtspCamera> {
  const python = process.env.RTSP_FIXTURE_PYTHON ?? '/usr/bin/python3';
  // stdin stays an open pipe: the fixture exits when it closes, i.e. when this process dies.
  const child = spawn(python, [SCRIPT, ...toArgs(options)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const counts: RtspClientCounts = { active: 0, max: 0, total: 0 };
  const blinks: Array<{ showing: 'image' | 'blank'; at: number }> = [];
  const stderrTail: string[] = [];
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) listener();
  };
  let exitReason: string | undefined;
  let ready: { port: number; url: string } | undefined;

  const exited = new Promise<void>((resolve) => {
    // 'close' rather than 'exit': by then stderr has been read to the end.
    child.once('close', (code, signal) => {
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
  // EPIPE once the fixture is gone; 'exit' already reports that.
  child.stdin.on('error', () => {});
  createInterface({ input: child.stderr }).on('line', (line) => {
    if (stderrTail.push(line) > STDERR_LINES) stderrTail.shift();
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const readyLine = /^READY port=(\d+) url=(\S+)$/.exec(line);
    const clientLine = /^CLIENT_(?:CONNECTED|CLOSED) active=(\d+) total=(\d+)$/.exec(line);
    const blinkLine = /^BLINK (image|blank)$/.exec(line);
    if (blinkLine) blinks.push({ showing: blinkLine[1] as 'image' | 'blank', at: Date.now() });
    if (readyLine) ready = { port: Number(readyLine[1]), url: readyLine[2]! };
    if (clientLine) {
      counts.active = Number(clientLine[1]);
      counts.total = Number(clientLine[2]);
      counts.max = Math.max(counts.max, counts.active);
    }
    notify();
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // child.kill signals child.pid, and does nothing once the process has been reaped.
      child.kill('SIGTERM');
      const killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
      await exited;
      clearTimeout(killTimer);
    })());

  const failure = (reason: string) => new Error(`rtsp-camera fixture ${reason}\n--- last stderr lines ---\n${stderrTail.join('\n')}`);

  /** Resolves with the first value `done()` returns; rejects on timeout or exit, saying `what()` it waited for. */
  const waitFor = <T>(done: () => T | undefined, timeoutMs: number, what: () => string) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => settle(`timed out after ${timeoutMs} ms ${what()}`), timeoutMs);
      const settle = (error?: string, value?: T) => {
        clearTimeout(timer);
        listeners.delete(check);
        if (error === undefined) resolve(value!);
        else reject(failure(error));
      };
      const check = () => {
        const value = done();
        if (value !== undefined) settle(undefined, value);
        else if (exitReason !== undefined) settle(`${exitReason} ${what()}`);
      };
      listeners.add(check);
      check();
    });

  const timeoutMs = options.timeoutMs ?? 15_000;
  const started = await waitFor(
    () => ready,
    timeoutMs,
    () => 'waiting for READY',
  ).catch(async (error: unknown) => {
    await stop();
    throw error;
  });

  const snapshot = (): RtspClientCounts => ({ ...counts });
  return {
    url: started.url,
    port: started.port,
    pid: child.pid!,
    get clients() {
      return snapshot();
    },
    blinks,
    stop,
    waitForClients: (predicate, waitMs = 10_000) =>
      waitFor(
        () => (predicate(snapshot()) ? snapshot() : undefined),
        waitMs,
        () => `waiting for RTSP clients (now ${JSON.stringify(counts)})`,
      ),
  };
}
