import type { DeviceOptions } from '../sources/source-link.js';

/** What probing a source tells us; all fields optional because cameras omit things. */
export interface SourceInfo {
  video?: { codec: string; width?: number; height?: number; fps?: number };
  audio?: { codec: string; sampleRate?: number; channels?: number };
}

/**
 * Where FFmpeg reads from. `lavfi` is only ever built from configuration (the
 * demo camera); `file` paths are absolute and confined to MEDIA_DIR by the time
 * FFmpeg sees them; `http` URLs have had their redirects followed and checked.
 */
export type Input =
  | { kind: 'rtsp'; url: string; transport: 'tcp' | 'udp' }
  | { kind: 'lavfi'; graph: string }
  | { kind: 'file'; path: string }
  /** stored: a video file (MP4…) played at its own rate and looped, not a live feed; hls: an .m3u8 playlist. */
  | { kind: 'http'; url: string; stored: boolean; hls: boolean }
  | { kind: 'device'; path: string; options: DeviceOptions };
