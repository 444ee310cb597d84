import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { isHlsArtefact } from '../hls/layout.js';
import type { PidRecords } from '../process/pid-records.js';
import { isValidStreamId } from './stream-id.js';

/**
 * After a crash (kill -9) the previous run's FFmpeg children and stream folders
 * survive. End exactly the processes it recorded, then remove stream folders
 * that hold nothing but HLS output.
 */
export async function cleanUpLeftovers(streamDir: string, pidRecords: PidRecords) {
  const killedPids = await pidRecords.killLeftovers();
  const removedDirs: string[] = [];
  const entries = await readdir(streamDir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory() || !isValidStreamId(entry.name)) continue;
    const dir = path.join(streamDir, entry.name);
    const files = await readdir(dir).catch(() => ['?']);
    // Only the files our outputs write: a folder holding anything else is not ours to delete.
    if (files.every(isHlsArtefact)) {
      await rm(dir, { recursive: true, force: true });
      removedDirs.push(entry.name);
    }
  }
  return { killedPids, removedDirs };
}
