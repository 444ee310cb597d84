import { lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

interface PidRecord {
  pid: number;
  /** Kernel start time of the process, so a recycled pid is never mistaken for ours. */
  startTime: string;
  /** A NAME=value pair that must be in the process's environment (the daemon sets it for each child), or one of its arguments. */
  marker: string;
}

/**
 * Files that remember which processes this daemon started, so that after a
 * kill -9 the next run can end exactly those (by pid, never by name).
 */
export class PidRecords {
  constructor(private readonly dir: string) {}

  async add(key: string, pid: number, marker: string): Promise<void> {
    const startTime = await processStartTime(pid);
    if (startTime === undefined) return; // already gone
    // 0700: the records decide what gets SIGKILLed at start-up; nobody else may write them.
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const record: PidRecord = { pid, startTime, marker };
    await writeFile(this.file(key), JSON.stringify(record));
  }

  async remove(key: string): Promise<void> {
    await rm(this.file(key), { force: true });
  }

  /** SIGKILLs the process group of every recorded process that is still the one we started. */
  async killLeftovers(): Promise<number[]> {
    if (!(await ownedByUs(this.dir))) return [];
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const killed: number[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const file = path.join(this.dir, name);
      const record = await readRecord(file);
      if (record && (await isSameProcess(record))) {
        try {
          process.kill(-record.pid, 'SIGKILL');
          killed.push(record.pid);
        } catch {
          // gone between the check and the kill
        }
      }
      await rm(file, { force: true });
    }
    return killed;
  }

  private file(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }
}

async function readRecord(file: string): Promise<PidRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(file, 'utf8')) as PidRecord;
    return Number.isInteger(record.pid) && record.pid > 1 ? record : undefined;
  } catch {
    return undefined;
  }
}

async function isSameProcess(record: PidRecord): Promise<boolean> {
  if (!record.marker || (await processStartTime(record.pid)) !== record.startTime) return false;
  const environ = await readFile(`/proc/${record.pid}/environ`, 'utf8').catch(() => '');
  if (environ.split('\0').includes(record.marker)) return true;
  // Records of versions before 0.2 marked the process by an argument (its playlist path).
  const cmdline = await readFile(`/proc/${record.pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.split('\0').includes(record.marker);
}

/** A records folder someone else created (or could write) is not evidence of anything. */
async function ownedByUs(dir: string): Promise<boolean> {
  const info = await lstat(dir).catch(() => undefined);
  return info?.isDirectory() === true && info.uid === process.getuid?.() && (info.mode & 0o022) === 0;
}

/** Field 22 of /proc/<pid>/stat (counted after the parenthesised command name). */
async function processStartTime(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}
