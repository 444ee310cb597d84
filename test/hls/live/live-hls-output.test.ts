import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveHlsOutput } from '../../../src/hls/live/live-hls-output.js';
import { fmp4Bytes, topLevelBoxes } from '../../support/fmp4.js';
import { waitFor } from '../../support/wait-for.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A running low-latency output whose pipe the test feeds one box at a time. */
async function running(lowLatency = true, { partsOnDisk = false } = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sm-ll-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const segments: string[] = [];
  const output = new LiveHlsOutput({
    dir,
    segmentSeconds: 1,
    partSeconds: 0.2,
    listSize: 6,
    transcodePreset: 'veryfast',
    lowLatency,
    partsOnDisk,
    onSegment: ({ file }) => segments.push(file),
    log: pino({ level: 'silent' }),
  });
  cleanups.push(() => output.close());
  const prepared = await output.prepare({ plan: { video: 'copy', audio: 'none' }, restart: false, pipe: 'pipe:3' });
  const pipe = new PassThrough();
  let progress = 0;
  const run = prepared.open({ pipe, progress: () => progress++, source: () => undefined });
  const bytes = await fmp4Bytes({ seconds: 3, gop: 25 });
  const boxes = topLevelBoxes(bytes);
  let next = 0;
  let fed = 0;
  // The init segment and every part take the next file number, so the preload hint tells how many parts exist.
  const partsPackaged = async () => {
    const playlist = (await output.playlist({})) ?? '';
    const init = /init_(\d+)\.mp4/.exec(playlist)?.[1];
    const hinted = /PRELOAD-HINT:TYPE=PART,URI="part_(\d+)\.m4s"/.exec(playlist)?.[1];
    return init && hinted ? Number(hinted) - Number(init) - 1 : 0;
  };
  /** Writes the init segment (first time) and `fragments` more moof+mdat pairs, and waits until they are parts. */
  const feed = async (fragments: number) => {
    const end = next === 0 ? 2 + 2 * fragments : next + 2 * fragments;
    pipe.write(bytes.subarray(boxes[next]![1], boxes[end - 1]![2]));
    next = end;
    fed += fragments;
    if (lowLatency) await waitFor(async () => (await partsPackaged()) === fed, { what: `${fed} parts` });
    else await new Promise((resolve) => setImmediate(resolve));
  };
  return { dir, output, feed, run, segments, progress: () => progress };
}

/** Whether a promise has settled, without waiting on any clock: one turn of the event loop. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

const hint = (playlist: string) => /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/.exec(playlist)![1]!;
const mediaSequence = (playlist: string) => Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist)![1]);

describe('LiveHlsOutput', () => {
  it('holds a blocking reload for the next part until it exists, and not a moment longer', async () => {
    const { output, feed } = await running();
    await feed(2);
    const first = (await output.playlist({}))!;
    const msn = mediaSequence(first);
    expect(first.match(/#EXT-X-PART:/g)).toHaveLength(2);

    const held = output.playlist({ msn, part: 2 });
    expect(await settled(held)).toBe(false);
    await feed(1);
    const answered = (await held)!;
    expect(answered.match(/#EXT-X-PART:/g)).toHaveLength(3);

    // A part that exists already is answered at once.
    expect(await settled(output.playlist({ msn, part: 0 }))).toBe(true);
  });

  it('serves the preload-hinted part as soon as it is complete', async () => {
    const { output, feed } = await running();
    await feed(1);
    const name = hint((await output.playlist({}))!);
    const media = output.media(name);
    expect(await settled(media)).toBe(false);
    await feed(1);
    const data = (await media)!;
    expect(new TextDecoder().decode(data.subarray(4, 8))).toBe('moof');
    expect(await output.media('part_1.m4s')).toBeUndefined(); // neither in the window nor hinted: ask the disk
  });

  it('refuses requests far beyond the live edge and malformed ones', async () => {
    const { output, feed } = await running();
    await feed(1);
    const msn = mediaSequence((await output.playlist({}))!);
    await expect(output.playlist({ msn: msn + 3 })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(output.playlist({ part: 1 })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(output.playlist({ msn: 1.5 })).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('releases every held request when the stream closes', async () => {
    const { output, feed } = await running();
    await feed(1);
    const msn = mediaSequence((await output.playlist({}))!);
    const held = [output.playlist({ msn, part: 5 }), output.playlist({ msn: msn + 1 }), output.media(hint((await output.playlist({}))!))];
    expect(await settled(Promise.race(held))).toBe(false);
    output.close();
    expect(await Promise.all(held)).toEqual([undefined, undefined, undefined]);
  });

  it('releases a held request whose client went away', async () => {
    const { output, feed } = await running();
    await feed(1);
    const controller = new AbortController();
    const held = output.playlist({ msn: mediaSequence((await output.playlist({}))!), part: 9 }, controller.signal);
    controller.abort();
    expect(await held).toBeUndefined();
  });

  /** Feeds 13 parts (the short first segment of 4, the rest of its GOP a part at a time, 6 of the next GOP), ends the run, and lists the folder. */
  async function filesOf(partsOnDisk: boolean) {
    const { dir, feed, segments, output, run } = await running(true, { partsOnDisk });
    await feed(13);
    await run.end(); // FFmpeg exits: the open segment is finished as it is
    const listed = (await output.playlist({}))!.match(/^seg_\d+\.m4s$/gm)!;
    expect(segments).toEqual(listed);
    const files = await waitFor(
      async () => {
        const names = (await readdir(dir)).sort();
        return names.includes(segments.at(-1)!) && !names.some((name) => name.endsWith('.tmp')) ? names : undefined;
      },
      { what: 'the files' },
    );
    expect(files.filter((name) => name.startsWith('init_'))).toHaveLength(1);
    expect(files.filter((name) => name.startsWith('seg_'))).toEqual([...segments].sort());
    expect(new Set(files).size).toBe(files.length);
    return { dir, files, output, segments };
  }

  it('writes the init segment and every finished segment to the folder, under names never reused; parts stay in memory', async () => {
    const { files, output } = await filesOf(false);
    expect(files.filter((name) => name.startsWith('part_'))).toEqual([]);
    // Every part the playlist lists is served from memory.
    const listedParts = (await output.playlist({}))!.match(/part_\d+\.m4s/g)!;
    for (const name of new Set(listedParts)) expect((await output.media(name))?.length, name).toBeGreaterThan(0);
  });

  it('with HLS_PARTS_ON_DISK writes every part as well, a segment file being its parts end to end', async () => {
    const { dir, files, output, segments } = await filesOf(true);
    expect(files.filter((name) => name.startsWith('part_'))).toHaveLength(13);
    const playlist = (await output.playlist({}))!;
    const gop = segments.at(-1)!;
    const gopParts = playlist
      .split(gop)[0]!
      .split(/^seg_\d+\.m4s$/m)
      .at(-1)!
      .match(/part_\d+\.m4s/g)!;
    expect(gopParts).toHaveLength(6);
    const parts = await Promise.all(gopParts.map((name) => readFile(path.join(dir, name))));
    expect(Buffer.concat(parts).equals(await readFile(path.join(dir, gop)))).toBe(true);
  });

  it('proves the run alive only once a short first segment is listed, then with every part', async () => {
    const { output, feed, progress, segments } = await running();
    await feed(3); // 0.48 s: not yet the first segment's 0.6 s (one PART-HOLD-BACK)
    expect(progress()).toBe(0);
    expect(segments).toEqual([]);
    expect(await output.playlist({})).toContain('#EXT-X-INDEPENDENT-SEGMENTS');
    await feed(1); // the part that makes 0.64 s closes it, mid-GOP, without waiting for the next one
    await waitFor(() => segments.length === 1, { what: 'the first segment' });
    expect(progress()).toBe(1);
    await feed(2);
    expect(progress()).toBe(3);
    // The segment after the early cut starts mid-GOP: the playlist no longer claims all of them independent.
    expect(await output.playlist({})).not.toContain('#EXT-X-INDEPENDENT-SEGMENTS');
  });

  it('the fmp4 variant lists whole segments and ignores blocking parameters', async () => {
    const { output, feed, progress } = await running(false);
    await feed(7);
    await feed(1);
    await waitFor(() => progress() === 1, { what: 'the first whole segment' });
    const playlist = (await output.playlist({ msn: 1, part: 3 }))!;
    expect(playlist).not.toContain('#EXT-X-PART');
    expect(playlist).toMatch(/^seg_\d+\.m4s$/m);
  });
});
