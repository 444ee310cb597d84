import { mkdir } from 'node:fs/promises';
import type { PreparedOutput, RunPlan, StreamOutput } from '../streams/output.js';
import { buildHlsArgs } from './hls-args.js';
import { playlistFile } from './layout.js';
import { newestSegment, nextSequenceNumber, readPlaylist, removeUnlistedSegments } from './playlist.js';
import { watchPlaylist } from './playlist-watch.js';

export interface HlsOutputOptions {
  dir: string;
  segmentSeconds: number;
  listSize: number;
  transcodePreset: string;
  /** Each segment FFmpeg finishes. */
  onSegment(segment: { file: string; bytes: number | undefined }): void;
}

/**
 * The HLS output: FFmpeg's own muxer writes MPEG-TS segments and the live
 * playlist into the stream's folder. A new segment in the playlist is the
 * proof that the run is alive and the stream playable.
 */
export class HlsOutput implements StreamOutput {
  readonly kind = 'hls';
  readonly provesLiveness = true;
  readonly usesPipe = false;
  readonly decodes = undefined;

  constructor(private readonly options: HlsOutputOptions) {}

  async prepare({ plan, restart }: RunPlan): Promise<PreparedOutput> {
    const { dir } = this.options;
    await mkdir(dir, { recursive: true });
    const previous = await readPlaylist(playlistFile(dir)).catch(() => undefined);
    // The previous FFmpeg's segments beyond its playlist would otherwise stay until the stream stops.
    if (restart) await removeUnlistedSegments(dir, previous);
    const args = buildHlsArgs({ ...this.options, plan, restart, startNumber: nextSequenceNumber(previous, Date.now()) });
    return {
      args,
      open: ({ progress }) => {
        const watch = watchPlaylist(dir, newestSegment(previous), (segment) => {
          this.options.onSegment(segment);
          progress();
        });
        return { end: () => watch.close() };
      },
    };
  }

  status(): undefined {
    return undefined;
  }

  close(): void {}
}
