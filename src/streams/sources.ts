import { type CameraEntry, isArchived } from '../cameras/camera-file.js';
import type { Input, SourceInfo } from '../ffmpeg/source-info.js';
import { type LinkPolicy, parseSourceLink, type SourceLink } from '../sources/source-link.js';
import { ApiSourcesDisabled, CameraNotFound, InvalidSourceLink, SourceConflict, SourceRequired } from './errors.js';

export const DEMO_ID = 'demo';

/** Source keys of CAMERAS_FILE cameras start with this; API sources' keys are their URL. */
export const CAMERA_KEY_PREFIX = 'camera:';

/** The built-in test camera: FFmpeg's test pattern with a wall clock, paced like a live camera. */
const DEMO_GRAPH = String.raw`testsrc2=size=1280x720:rate=25,drawtext=text='stream-manager demo %{localtime\:%H\\\:%M\\\:%S}':fontsize=48:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=12:x=40:y=80`;

/** What the demo graph produces, so it needs no probe. */
const DEMO_SOURCE_INFO: SourceInfo = { video: { codec: 'rawvideo', width: 1280, height: 720, fps: 25 } };

/** Every kind CAMERAS_FILE may name; its parser has checked the link already. */
const CONFIGURED_KINDS: LinkPolicy = { kinds: ['rtsp', 'file', 'http', 'device'], rtspSchemes: ['rtsp', 'rtsps'], maxLength: Infinity };

// Recorded video over HTTP is looped like a file: anything else (MJPEG, a live .m3u8) is a live feed.
const STORED_VIDEO = /\.(mp4|m4v|mov|mkv|webm)$/i;
const HLS_PLAYLIST = /\.m3u8$/i;

export interface ResolvedSource {
  input: Input;
  /** Compared to tell "same camera" from "different camera" on a running id. */
  key: string;
  /** Known in advance for configured sources such as the demo. */
  info?: SourceInfo;
  /** Named by the operator (the demo, CAMERAS_FILE), not by an API caller: ALLOWED_SOURCE_HOSTS is for the latter. */
  configured: boolean;
  /** The camera's own defaults from CAMERAS_FILE; a start call's detect=… still wins. */
  detect?: boolean;
  audio?: boolean;
  /** CAMERAS_FILE record: true or snapshot_interval_seconds: the camera is always on and archived. */
  recording?: RecordingRequest;
}

/** What an archived camera asks of RECORD_DIR (its retention is read from CAMERAS_FILE by retention itself). */
export interface RecordingRequest {
  /** record: true: MP4 segments. */
  video: boolean;
  /** snapshot_interval_seconds. */
  snapshotSeconds?: number;
  /** upload; undefined: hand off to whatever is configured. */
  upload?: boolean;
}

export interface SourceResolverOptions {
  demoEnabled: boolean;
  rtspTransport: 'tcp' | 'udp';
  /** CAMERAS_FILE, read at call time so that reloads apply to the next start. */
  cameras?: { get(id: string): CameraEntry | undefined };
  /** false: only the demo and CAMERAS_FILE cameras; rtsp_link is refused. */
  allowApiSources: boolean;
  /** What rtsp_link may name: rtsp (ALLOWED_SCHEMES), and file: and http(s) with ALLOW_API_FILE_SOURCES. */
  apiLinks: LinkPolicy;
}

/** The FFmpeg input for a link; `transport` is RTSP's. */
function inputOf(link: SourceLink, transport: 'tcp' | 'udp'): Input {
  switch (link.kind) {
    case 'rtsp':
      return { kind: 'rtsp', url: link.url, transport };
    case 'file':
      return { kind: 'file', path: link.path };
    case 'http': {
      const pathname = new URL(link.url).pathname;
      return { kind: 'http', url: link.url, stored: STORED_VIDEO.test(pathname), hls: HLS_PLAYLIST.test(pathname) };
    }
    case 'device':
      return { kind: 'device', path: link.path, options: link.options };
  }
}

/** A local camera sends raw pictures (or MJPEG) far more often than H.264: plan a transcode from the first run. */
function knownInfo(input: Input): SourceInfo | undefined {
  return input.kind === 'device' ? { video: { codec: 'rawvideo' } } : undefined;
}

function linkOf(value: string, policy: LinkPolicy): SourceLink {
  const parsed = parseSourceLink(value, policy);
  if ('problem' in parsed) throw new InvalidSourceLink(parsed.problem);
  return parsed.link;
}

/**
 * Turns a start request into an FFmpeg input: the demo, a CAMERAS_FILE camera
 * by its id, or (unless ALLOW_API_SOURCES=false) the request's rtsp_link.
 * Sources from the API are rtsp/rtsps URLs, or with ALLOW_API_FILE_SOURCES
 * file: and http(s) links too; devices and the demo's lavfi graph come only
 * from configuration. file: paths and http redirects are checked later, by the
 * source gate, before anything is spawned.
 */
export function createSourceResolver(options: SourceResolverOptions) {
  return (id: string, rtspLink: string | undefined): ResolvedSource => {
    if (options.demoEnabled && id === DEMO_ID) {
      if (rtspLink !== undefined) {
        throw new SourceConflict(id, 'is the built-in demo camera and takes no rtsp_link');
      }
      return { input: { kind: 'lavfi', graph: DEMO_GRAPH }, key: 'demo', info: DEMO_SOURCE_INFO, configured: true };
    }
    const camera = options.cameras?.get(id);
    if (camera) {
      // A backend that still sends the URL it always sent keeps working; a different one is a mistake.
      if (rtspLink !== undefined && rtspLink !== camera.url) {
        throw new SourceConflict(id, 'is defined in CAMERAS_FILE; start it by indicator_id alone');
      }
      const input = inputOf(linkOf(camera.url, CONFIGURED_KINDS), camera.transport ?? options.rtspTransport);
      const info = knownInfo(input);
      return {
        input,
        key: `${CAMERA_KEY_PREFIX}${JSON.stringify(camera)}`,
        ...(info ? { info } : {}),
        configured: true,
        detect: camera.detect,
        audio: camera.audio,
        ...(isArchived(camera) ? { recording: recordingOf(camera) } : {}),
      };
    }
    if (!options.allowApiSources) {
      if (rtspLink !== undefined) throw new ApiSourcesDisabled();
      throw new CameraNotFound(id);
    }
    if (rtspLink === undefined) throw new SourceRequired(id);
    return { input: inputOf(linkOf(rtspLink, options.apiLinks), options.rtspTransport), key: rtspLink, configured: false };
  };
}

export type SourceResolver = ReturnType<typeof createSourceResolver>;

function recordingOf(camera: CameraEntry): RecordingRequest {
  return {
    video: camera.record === true,
    ...(camera.snapshot_interval_seconds !== undefined ? { snapshotSeconds: camera.snapshot_interval_seconds } : {}),
    ...(camera.upload !== undefined ? { upload: camera.upload } : {}),
  };
}
