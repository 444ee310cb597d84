import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The command `npm start` runs (and the Dockerfile's CMD), as argv; tests run exactly that. */
export function startCommand(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  return pkg.scripts.start.split(' ');
}

export interface DaemonProcess {
  child: ChildProcess;
  baseUrl: string;
  /** Log lines so far (stdout and stderr). */
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL if still running; for test clean-up. */
  kill(): Promise<void>;
}

/**
 * The daemon as operators run it (`npm start` runs this same entry point), as
 * a real child process, so signals and crashes can be acted out.
 */
export async function startDaemonProcess(
  env: Record<string, string>,
  // Generous: on a loaded two-core CI machine a cold start has taken more than 20 s.
  { timeoutMs = 45_000, root = ROOT }: { timeoutMs?: number; root?: string } = {},
): Promise<DaemonProcess> {
  const [command, ...args] = startCommand();
  const child = spawn(command === 'node' ? process.execPath : command!, args, {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // never left running: nobody would end it
      reject(new Error(`daemon did not start within ${timeoutMs} ms:\n${output.join('\n')}`));
    }, timeoutMs);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
    }
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`daemon exited during start-up:\n${output.join('\n')}`));
    });
  });
  return {
    child,
    baseUrl,
    output,
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
