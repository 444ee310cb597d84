import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PidRecords } from '../../src/process/pid-records.js';
import { isAlive, waitFor } from '../support/wait-for.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sm-pids-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A detached `sleep` carrying a marker in its environment, as the daemon's children do. */
function sleeper(mark: string) {
  const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore', env: { PATH: process.env.PATH, SM_TEST_MARK: mark } });
  const pid = child.pid!;
  cleanups.push(() => {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
  return pid;
}

describe('PidRecords', () => {
  it('kills exactly the recorded processes that are still the ones started', async () => {
    const records = new PidRecords(await tempDir());
    const ours = sleeper('1');
    const other = sleeper('2');
    await waitFor(() => isAlive(ours) && isAlive(other), { what: 'sleepers' });
    await records.add('cam', ours, 'SM_TEST_MARK=1');
    await records.add('wrong-marker', other, 'SM_TEST_MARK=not-this-one');

    expect(await records.killLeftovers()).toEqual([ours]);
    await waitFor(() => !isAlive(ours), { what: 'the recorded process to die' });
    expect(isAlive(other)).toBe(true);
  });

  it('forgets removed records and survives junk files', async () => {
    const dir = await tempDir();
    const records = new PidRecords(dir);
    const pid = sleeper('3');
    await records.add('cam', pid, 'SM_TEST_MARK=3');
    await records.remove('cam');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(dir, 'junk.json'), '{not json');
    await writeFile(path.join(dir, 'init.json'), JSON.stringify({ pid: 1, startTime: '1', marker: 'x' }));
    expect(await records.killLeftovers()).toEqual([]);
    expect(isAlive(pid)).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });
});
