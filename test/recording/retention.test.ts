import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingCatalogue } from '../../src/recording/catalogue.js';
import { recordedName } from '../../src/recording/layout.js';
import { RecordingRetention } from '../../src/recording/retention.js';

const log = pino({ level: 'silent' });
const HOUR = 3_600_000;
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A RECORD_DIR with one camera's 100-byte segments that began `hoursAgo` each, and one file still being written. */
async function recorded(hoursAgo: number[]) {
  const root = await mkdtemp(path.join(os.tmpdir(), 'sm-retention-'));
  dirs.push(root);
  const catalogue = new RecordingCatalogue({ root, probe: async () => 60, log });
  const names: string[] = [];
  for (const ago of hoursAgo) {
    const start = new Date(Math.floor((Date.now() - ago * HOUR) / 1000) * 1000);
    const name = recordedName(start);
    await mkdir(path.join(root, 'cam', path.dirname(name)), { recursive: true });
    await writeFile(path.join(root, 'cam', name), Buffer.alloc(100));
    await catalogue.add('cam', { name, start: start.getTime(), duration: 60, bytes: 100 });
    names.push(name);
  }
  // FFmpeg's open file: on disk, never listed.
  const writing = recordedName(new Date(Math.floor(Date.now() / 1000) * 1000));
  await mkdir(path.join(root, 'cam', path.dirname(writing)), { recursive: true });
  await writeFile(path.join(root, 'cam', writing), Buffer.alloc(100));
  const onDisk = async () => {
    const days = await readdir(path.join(root, 'cam')).catch(() => []);
    const files: string[] = [];
    for (const day of days.filter((d) => !d.endsWith('.jsonl'))) {
      for (const file of await readdir(path.join(root, 'cam', day))) files.push(`${day}/${file}`);
    }
    return files.sort();
  };
  return { root, catalogue, names, writing, onDisk };
}

function retention(root: string, catalogue: RecordingCatalogue, options: { maxBytes?: number; freeBytes?: number; minFreeBytes?: number }) {
  return new RecordingRetention({
    catalogue,
    root,
    retainMs: () => 24 * HOUR,
    maxBytes: options.maxBytes,
    minFreeBytes: options.minFreeBytes ?? 0,
    intervalMs: 60_000,
    freeBytes: async () => options.freeBytes ?? 1e12,
    log,
  });
}

describe('recording retention on disk', () => {
  it('deletes files past RECORD_RETAIN_HOURS and their emptied day folders, and the index agrees after a restart', async () => {
    const { root, catalogue, names, writing, onDisk } = await recorded([72, 48, 30, 2, 1]);
    await retention(root, catalogue, {}).sweep();
    expect(await onDisk()).toEqual([...names.slice(3), writing].sort());
    const days = await readdir(path.join(root, 'cam'));
    expect(days.filter((d) => d !== 'index.jsonl').sort()).toEqual(
      [...new Set([...names.slice(3), writing].map((n) => n.slice(0, 10)))].sort(),
    );
    const reread = new RecordingCatalogue({ root, probe: async () => 60, log });
    await reread.load();
    // The open file counts too once nobody writes it (a restart): probed and listed.
    expect(reread.segments('cam').map((s) => s.name)).toEqual([...names.slice(3), writing]);
  });

  it('keeps all recordings under RECORD_MAX_BYTES, oldest first, never the file being written', async () => {
    const { root, catalogue, names, writing, onDisk } = await recorded([5, 4, 3, 2, 1]);
    await retention(root, catalogue, { maxBytes: 250 }).sweep();
    expect(await onDisk()).toEqual([names[3]!, names[4]!, writing].sort());
  });

  it('frees disk space down to RECORD_MIN_FREE_BYTES and reports what it cannot free', async () => {
    const { root, catalogue, names, writing, onDisk } = await recorded([5, 4, 3]);
    const squeezed = retention(root, catalogue, { freeBytes: 0, minFreeBytes: 150 });
    await squeezed.sweep();
    expect(await onDisk()).toEqual([names[2]!, writing].sort());
    expect(squeezed.shortBytes).toBe(0);

    const full = retention(root, catalogue, { freeBytes: 0, minFreeBytes: 10_000 });
    await full.sweep();
    expect(await onDisk()).toEqual([writing]);
    expect(full.shortBytes).toBe(10_000 - 100);
  });
});
