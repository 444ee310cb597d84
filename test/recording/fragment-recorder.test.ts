import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fmp4Packager, type PackagerEvent } from '../../src/hls/fmp4/packager.js';
import { FragmentRecorder } from '../../src/recording/fragment-recorder.js';
import type { RecordedSegment } from '../../src/recording/segment.js';
import { chunked, fmp4Bytes } from '../support/fmp4.js';
import { decodesCleanly, probeDuration } from '../support/recordings.js';

const run = promisify(execFile);
const log = pino({ level: 'silent' });

/** ffprobe's start time, and the time of every video keyframe, of one file. */
async function probe(file: string): Promise<{ start: number; keyframes: number[] }> {
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-select_streams', 'v', '-show_entries', 'format=start_time:packet=pts_time,flags', '-of', 'json', file],
  ]);
  const parsed = JSON.parse(stdout) as { format: { start_time: string }; packets: Array<{ pts_time: string; flags: string }> };
  return {
    start: Number(parsed.format.start_time),
    keyframes: parsed.packets.filter((p) => p.flags.startsWith('K')).map((p) => Number(p.pts_time)),
  };
}

function eventsOf(bytes: Uint8Array): PackagerEvent[] {
  const packager = new Fmp4Packager({ segmentSeconds: 1 });
  return chunked(bytes, 8192).flatMap((chunk) => packager.push(chunk));
}

/** Feeds events to a recorder as a run would, with a clock that moves with the media (one part at a time). */
function feed(recorder: FragmentRecorder, events: PackagerEvent[], clock: { now: number }): void {
  for (const event of events) {
    if (event.type === 'init') recorder.init(event.init);
    else {
      clock.now += event.part.duration * 1000;
      recorder.part(event.part);
    }
  }
}

let dir: string;
let finished: RecordedSegment[];
const clock = { now: Date.UTC(2026, 11, 3, 10, 0, 0) };
const recorder = (segmentSeconds: number) =>
  new FragmentRecorder({
    dir,
    segmentSeconds,
    log,
    now: () => clock.now,
    onSegment: async (segment) => {
      finished.push(segment);
    },
  });

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sm-fragments-'));
  finished = [];
  clock.now = Date.UTC(2026, 11, 3, 10, 0, 0);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('FragmentRecorder, on fragmented MP4 that FFmpeg really produced', () => {
  it('cuts files at the first keyframe after the segment length; each starts at zero, plays alone, and the next begins where it ended', async () => {
    // 7 s with a keyframe every 1.2 s: 3 s segments are cut at the fourth keyframe (3.6 s) and at the run's end.
    const events = eventsOf(await fmp4Bytes({ seconds: 7, gop: 30, audio: true }));
    const parts = events.flatMap((event) => (event.type === 'part' ? [event.part] : []));
    const cut = parts.filter((part) => part.independent)[3]!.startTime;
    const end = parts.at(-1)!.startTime + parts.at(-1)!.duration;
    const target = recorder(3);
    feed(target, events, clock);
    await target.end();

    expect(cut).toBeCloseTo(3.6, 1);
    expect(finished.map((s) => s.duration)).toEqual([cut, end - cut]);
    expect(finished[1]!.start).toBe(finished[0]!.start + Math.round(cut * 1000));
    // Named by the UTC time of its first frame: the first part arrived 0.16 s after the run began.
    expect(finished[0]!.name).toBe('2026-12-03/10-00-00.mp4');
    expect(finished[1]!.name).toBe('2026-12-03/10-00-03.mp4');
    for (const segment of finished) {
      const file = path.join(dir, segment.name);
      expect(await decodesCleanly(file)).toBe(true);
      expect(Math.abs((await probeDuration(file)) - segment.duration)).toBeLessThan(0.05);
      const { start, keyframes } = await probe(file);
      expect(start).toBeCloseTo(0, 2);
      expect(keyframes[0]).toBeCloseTo(0, 2);
      expect(segment.bytes).toBe((await readFile(file)).length);
    }
  });

  it('drops what comes before the first keyframe, and starts a new file with a new init segment', async () => {
    const events = eventsOf(await fmp4Bytes({ seconds: 3, gop: 25 }));
    const target = recorder(60);
    const parts = events.filter((event) => event.type === 'part');
    const init = events.find((event) => event.type === 'init')!;
    const secondKeyframe = parts.findIndex((event, n) => n > 0 && event.part.independent);
    target.init(init.init);
    // Parts that are not keyframes, before any keyframe: nothing to start a file with.
    for (const event of parts.slice(1, 4)) target.part(event.part);
    feed(target, [init, ...parts.slice(0, secondKeyframe)], clock);
    feed(target, [init, ...parts.slice(secondKeyframe)], clock);
    await target.end();
    expect(finished).toHaveLength(2);
    expect(finished[0]!.duration + finished[1]!.duration).toBeCloseTo(3, 1);
    expect((await readdir(path.join(dir, '2026-12-03'))).sort()).toEqual(finished.map((s) => s.name.slice(11)).sort());
  });

  it('never writes over an existing file: a second run within the same second takes the next name', async () => {
    await writeFile(path.join(await dayFolderOf(), '10-00-00.mp4'), 'kept');
    const target = recorder(60);
    feed(target, eventsOf(await fmp4Bytes({ seconds: 1, gop: 25 })), clock);
    await target.end();
    expect(finished.map((s) => s.name)).toEqual(['2026-12-03/10-00-01.mp4']);
    expect(await readFile(path.join(dir, '2026-12-03/10-00-00.mp4'), 'utf8')).toBe('kept');
  });
});

async function dayFolderOf(): Promise<string> {
  const day = path.join(dir, '2026-12-03');
  await mkdir(day, { recursive: true });
  return day;
}
