import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { execa } from 'execa';

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** true when we asked it to stop (stop() or kill()); false for crashes and early exits. */
  requested: boolean;
}

export interface Child {
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  /** The extra pipes the child writes to, as file descriptors 3, 4, … in the order asked for. */
  readonly pipes: Readable[];
  /** SIGTERM to the whole process group, SIGKILL after graceMs; resolves once it is gone. */
  stop(graceMs: number): Promise<ExitInfo>;
}

export interface SpawnOptions {
  command: string;
  args: readonly string[];
  /** Every stderr line. stderr is always drained, so a chatty child never blocks on a full pipe. */
  onStderrLine(line: string): void;
  /** How many extra output pipes (fd 3 upwards) the child writes to. */
  pipes?: number;
  /** Added to the child's minimal environment. */
  env?: Record<string, string>;
  /**
   * Killed by the kernel if the daemon dies (a kill -9 leaves no one to stop it): started through
   * util-linux's setpriv --pdeathsig, which then becomes the program itself (same pid). Where
   * setpriv is missing, the pid records still end such a child at the daemon's next start.
   */
  dieWithParent?: boolean;
  /**
   * Runs the child below the daemon's CPU priority (nice 1–19) through coreutils' nice, which then
   * becomes the program (same pid; every thread it starts inherits it). 0 or absent: the daemon's.
   */
  nice?: number;
}

const SETPRIV = '/usr/bin/setpriv';
const NICE = '/usr/bin/nice';

export class SpawnError extends Error {
  constructor(
    readonly command: string,
    cause: unknown,
  ) {
    super(`cannot run ${command}: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'SpawnError';
  }
}

/**
 * Starts a child in a process group of its own (never through a shell), so
 * that stopping it also stops anything it forked.
 */
export async function spawnChild({
  command,
  args,
  onStderrLine,
  pipes = 0,
  env = {},
  dieWithParent = false,
  nice = 0,
}: SpawnOptions): Promise<Child> {
  // Each wrapper execs the next, so the pid is the program's from the start.
  const niced = nice > 0 && existsSync(NICE) ? [NICE, '-n', String(nice), command, ...args] : [command, ...args];
  const argv = dieWithParent && existsSync(SETPRIV) ? [SETPRIV, '--pdeathsig', 'KILL', '--', ...niced] : niced;
  const subprocess = execa(argv[0]!, argv.slice(1), {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe', ...Array.from({ length: pipes }, () => 'pipe' as const)],
    buffer: false,
    reject: false,
    // execa's exit hook (signal-exit) would re-raise SIGTERM before our graceful
    // shutdown runs; shutdown and the pid records end children instead.
    cleanup: false,
    // FFmpeg inherits nothing it doesn't need from the daemon's environment.
    extendEnv: false,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', ...env },
  });
  // ENOENT and EACCES arrive as an 'error' event instead of 'spawn'.
  await new Promise<void>((resolve, reject) => {
    subprocess.once('spawn', resolve);
    subprocess.once('error', (error) => reject(new SpawnError(command, error)));
  });
  const pid = subprocess.pid as number;

  createInterface({ input: subprocess.stderr, crlfDelay: Infinity }).on('line', onStderrLine);
  const extra = subprocess.stdio.slice(3, 3 + pipes) as Readable[];

  let requested = false;
  const exited: Promise<ExitInfo> = subprocess.then((result) => ({
    code: result.exitCode ?? null,
    signal: result.signal ?? null,
    requested,
  }));

  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  };

  return {
    pid,
    exited,
    pipes: extra,
    async stop(graceMs) {
      requested = true;
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
