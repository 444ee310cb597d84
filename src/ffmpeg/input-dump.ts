import type { SourceInfo } from './source-info.js';

/**
 * Reads the "Input #0" block FFmpeg prints once it has opened its input:
 *
 *   Input #0, rtsp, from 'rtsp://cam/live':
 *     Stream #0:0: Video: h264 (Main), yuv420p(progressive), 1920x1080, 25 fps, 25 tbr, 90k tbn
 *     Stream #0:1: Audio: pcm_mulaw, 8000 Hz, mono, s16, 64 kb/s
 *   Output #0, hls, to '/streams/cam/stream.m3u8':
 *
 * This is how the daemon learns codecs without a second connection to the camera.
 */
export class InputDumpParser {
  private inInput = false;
  private info: SourceInfo = {};
  private done = false;

  /** Feeds one stderr line; returns the source once the block is complete, else undefined. */
  push(line: string): SourceInfo | undefined {
    if (this.done) return undefined;
    if (line.startsWith('Input #0')) {
      this.inInput = true;
      return undefined;
    }
    if (!this.inInput) return undefined;
    if (line.startsWith(' ')) {
      this.readStreamLine(line.trim());
      return undefined;
    }
    // The first unindented line after the block ends it (Output #0, Stream mapping, an error…).
    this.done = true;
    return this.info;
  }

  private readStreamLine(line: string): void {
    const match = /^Stream #0:\d+\S*: (Video|Audio): ([A-Za-z0-9_]+)(.*)$/.exec(line);
    if (!match) return;
    const [, kind, codec, rest = ''] = match;
    if (kind === 'Video' && !this.info.video) {
      const size = /, (\d{2,5})x(\d{2,5})/.exec(rest);
      const fps = /, ([\d.]+) (?:fps|tbr)/.exec(rest);
      this.info.video = {
        codec: codec!,
        width: size ? Number(size[1]) : undefined,
        height: size ? Number(size[2]) : undefined,
        fps: plausibleRate(fps?.[1]),
      };
    } else if (kind === 'Audio' && !this.info.audio) {
      const rate = /, (\d+) Hz/.exec(rest);
      const channels = /Hz, (mono|stereo)/.exec(rest);
      this.info.audio = {
        codec: codec!,
        sampleRate: rate ? Number(rate[1]) : undefined,
        channels: channels ? (channels[1] === 'mono' ? 1 : 2) : undefined,
      };
    }
  }
}

/** RTSP time bases leak into the rate (90k tbr); anything above 240 fps is not a frame rate. */
function plausibleRate(text: string | undefined): number | undefined {
  const rate = Number(text);
  return rate > 0 && rate <= 240 ? rate : undefined;
}
