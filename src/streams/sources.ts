import type { Input, SourceInfo } from '../ffmpeg/source-info.js';
import { SourceConflict, SourceRequired } from './errors.js';

export const DEMO_ID = 'demo';

/** The built-in test camera: FFmpeg's test pattern with a wall clock, paced like a live camera. */
const DEMO_GRAPH = String.raw`testsrc2=size=1280x720:rate=25,drawtext=text='stream-manager demo %{localtime\:%H\\\:%M\\\:%S}':fontsize=48:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=12:x=40:y=80`;

/** What the demo graph produces, so it needs no probe. */
const DEMO_SOURCE_INFO: SourceInfo = { video: { codec: 'rawvideo', width: 1280, height: 720, fps: 25 } };

export interface ResolvedSource {
  input: Input;
  /** Compared to tell "same camera" from "different camera" on a running id. */
  key: string;
  /** Known in advance for configured sources such as the demo. */
  info?: SourceInfo;
}

export interface SourceResolverOptions {
  demoEnabled: boolean;
  rtspTransport: 'tcp' | 'udp';
}

/**
 * Turns a start request into an FFmpeg input. Sources from the API are always
 * validated rtsp/rtsps URLs; anything else (the demo's lavfi graph) comes only
 * from configuration.
 */
export function createSourceResolver(options: SourceResolverOptions) {
  return (id: string, rtspLink: string | undefined): ResolvedSource => {
    if (options.demoEnabled && id === DEMO_ID) {
      if (rtspLink !== undefined) {
        throw new SourceConflict(id, 'is the built-in demo camera and takes no rtsp_link');
      }
      return { input: { kind: 'lavfi', graph: DEMO_GRAPH }, key: 'demo', info: DEMO_SOURCE_INFO };
    }
    if (rtspLink === undefined) throw new SourceRequired(id);
    return { input: { kind: 'rtsp', url: rtspLink, transport: options.rtspTransport }, key: rtspLink };
  };
}

export type SourceResolver = ReturnType<typeof createSourceResolver>;
