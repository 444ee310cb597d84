import path from 'node:path';
import type { Input } from './source-info.js';

/**
 * Protocols each kind of input may use. FFmpeg would otherwise follow a URL
 * (or a playlist entry) into file:, concat:, subfile:, http: and friends.
 */
const PROTOCOL_WHITELIST = {
  rtsp: 'rtsp,rtsps,tcp,udp,rtp,tls',
  file: 'file',
  http: 'http,https,tcp,tls',
  // AES-128 segments are read through crypto:; an HLS playlist needs nothing else.
  hls: 'http,https,tcp,tls,crypto',
} as const;

/**
 * Demuxers an http input may use. Without the list, a server could answer an
 * .mp4 URL with a playlist, and the HLS demuxer would fetch whatever hosts it
 * names; only sources written as .m3u8 get the HLS demuxer (and its segment formats).
 */
const FORMAT_WHITELIST = {
  http: 'mov,matroska,mpegts,flv,mpjpeg,jpeg_pipe,mjpeg,h264,hevc',
  hls: 'hls,mpegts,mov,aac,mp3',
} as const;

/** Pacing for recorded video: at its own rate, over and over, like a camera that never ends. */
const LOOP_FOREVER = ['-re', '-stream_loop', '-1'];

/** The input half of the command line; `ioTimeoutMs` bounds network reads, `keyframesOnly` lets the decoder skip. */
export function inputArgs(input: Input, { ioTimeoutMs, keyframesOnly }: { ioTimeoutMs: number; keyframesOnly: boolean }): string[] {
  const skip = keyframesOnly ? ['-skip_frame', 'nokey', '-threads', '1'] : [];
  const micros = String(Math.round(ioTimeoutMs * 1000));
  switch (input.kind) {
    case 'lavfi':
      // lavfi sources run as fast as the CPU allows; -re paces them like a camera.
      return ['-re', '-f', 'lavfi', '-i', input.graph];
    case 'rtsp':
      return [
        ...skip,
        '-protocol_whitelist',
        PROTOCOL_WHITELIST.rtsp,
        // FFmpeg's default analysis counts 20 frames to estimate the frame rate, holding the first
        // output back by about a second for nothing; without it, analysis ends as soon as every
        // stream's parameters are known (from the SDP, else at the first keyframe's SPS), which MP4
        // muxers need before they can write their header.
        '-fpsprobesize',
        '0',
        '-analyzeduration',
        '1',
        '-rtsp_transport',
        input.transport,
        '-timeout',
        micros,
        '-i',
        input.url,
      ];
    case 'file':
      // A relative path here would be relative to the daemon's folder, not MEDIA_DIR: a bug upstream.
      if (!path.isAbsolute(input.path)) throw new Error('file inputs must be confined to MEDIA_DIR (an absolute path) first');
      // file: in front, so that a name with a colon in it is never read as another protocol.
      return [...LOOP_FOREVER, ...skip, '-protocol_whitelist', PROTOCOL_WHITELIST.file, '-i', `file:${input.path}`];
    case 'http': {
      const flavour = input.hls ? 'hls' : 'http';
      return [
        ...(input.stored ? LOOP_FOREVER : []),
        ...skip,
        '-protocol_whitelist',
        PROTOCOL_WHITELIST[flavour],
        '-format_whitelist',
        FORMAT_WHITELIST[flavour],
        // The daemon followed and checked the redirects already; one FFmpeg followed on its own would not be.
        '-max_redirects',
        '0',
        '-rw_timeout',
        micros,
        '-i',
        input.url,
      ];
    }
    case 'device': {
      const { video_size, framerate, input_format } = input.options;
      return [
        '-f',
        'v4l2',
        ...(input_format ? ['-input_format', input_format] : []),
        ...(framerate ? ['-framerate', framerate] : []),
        ...(video_size ? ['-video_size', video_size] : []),
        '-i',
        input.path,
      ];
    }
  }
}
