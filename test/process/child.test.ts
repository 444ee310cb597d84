import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SpawnError, spawnChild } from '../../src/process/child.js';
import { isAlive, waitFor } from '../support/wait-for.js';

describe('spawnChild', () => {
  it('rejects with the OS error when the binary does not exist', async () => {
    await expect(spawnChild({ command: '/nonexistent/ffmpeg', args: [], onStderrLine: () => {} })).rejects.toThrow(SpawnError);
    await expect(spawnChild({ command: '/nonexistent/ffmpeg', args: [], onStderrLine: () => {} })).rejects.toThrow(/ENOENT/);
  });

  it('reports an early exit with its code and stderr lines', async () => {
    const lines: string[] = [];
    const child = await spawnChild({
      command: 'sh',
      args: ['-c', 'echo first >&2; echo second >&2; exit 3'],
      onStderrLine: (l) => lines.push(l),
    });
    expect(await child.exited).toEqual({ code: 3, signal: null, requested: false });
    expect(lines).toEqual(['first', 'second']);
  });

  it('stops the whole process group, not just the leader', async () => {
    const lines: string[] = [];
    const child = await spawnChild({
      command: 'sh',
      args: ['-c', 'sleep 300 & echo $! >&2; wait'],
      onStderrLine: (line) => lines.push(line),
    });
    const grandchild = Number(await waitFor(() => lines[0], { what: 'the grandchild pid' }));
    expect(isAlive(grandchild)).toBe(true);
    expect(await child.stop(2000)).toMatchObject({ signal: 'SIGTERM', requested: true });
    await waitFor(() => !isAlive(grandchild), { what: 'the grandchild to die with its group' });
  });

  it('SIGKILLs a child that ignores SIGTERM once the grace period is over', async () => {
    let ready = false;
    const child = await spawnChild({
      command: 'sh',
      args: ['-c', "trap '' TERM; echo ready >&2; while :; do sleep 0.1; done"],
      onStderrLine: (line) => (ready ||= line === 'ready'),
    });
    await waitFor(() => ready, { what: 'the trap to be installed' });
    const startedAt = Date.now();
    expect(await child.stop(500)).toMatchObject({ signal: 'SIGKILL', requested: true });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(450);
    expect(isAlive(child.pid)).toBe(false);
  });

  it('runs the child below the daemon’s CPU priority when asked, as the program itself (same pid)', async () => {
    const niceOf = async (pid: number) => Number((await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ')[16]);
    const child = await spawnChild({ command: 'sleep', args: ['300'], onStderrLine: () => {}, nice: 7, dieWithParent: true });
    try {
      await waitFor(async () => (await readFile(`/proc/${child.pid}/cmdline`, 'utf8')).startsWith('sleep\0') || undefined, {
        what: 'the wrappers to exec sleep',
      });
      expect(await niceOf(child.pid)).toBe((await niceOf(process.pid)) + 7);
    } finally {
      await child.stop(1000);
    }
  });
});
