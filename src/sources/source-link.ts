import { sourceUrlProblem } from '../security/source-url.js';

/** What a camera's `url` (CAMERAS_FILE) or `rtsp_link` (API) names, by kind. */
export type SourceLink =
  | { kind: 'rtsp'; url: string }
  /** As written: relative to MEDIA_DIR (or absolute inside it); confined before FFmpeg sees it. */
  | { kind: 'file'; path: string }
  | { kind: 'http'; url: string }
  | { kind: 'device'; path: string; options: DeviceOptions };

export type SourceKind = SourceLink['kind'];

/** V4L2 capture settings from `device:0?video_size=1280x720&framerate=30&input_format=mjpeg`; unset: the driver's default. */
export interface DeviceOptions {
  video_size?: string;
  framerate?: string;
  input_format?: string;
}

export interface LinkPolicy {
  /** Which kinds the caller may name (the API: rtsp, plus file and http with ALLOW_API_FILE_SOURCES). */
  kinds: readonly SourceKind[];
  /** ALLOWED_SCHEMES: rtsp, rtsps or both. */
  rtspSchemes: readonly string[];
  maxLength: number;
}

const DEVICE_INDEX = /^\d{1,2}$/;
// A name under /dev/v4l/by-id: no slashes, so it cannot climb out of that folder.
const DEVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,200}$/;
const DEVICE_OPTIONS: Record<keyof DeviceOptions, RegExp> = {
  video_size: /^\d{2,5}x\d{2,5}$/,
  framerate: /^\d{1,3}(\/\d{1,4})?$/,
  input_format: /^[a-z0-9_]{1,32}$/,
};
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE_CHARACTERS = /[\s\u0000-\u001f\u007f]/;

/** The schemes a policy accepts, for messages. */
function schemesOf(policy: LinkPolicy): string[] {
  return policy.kinds.flatMap((kind) => (kind === 'rtsp' ? [...policy.rtspSchemes] : kind === 'http' ? ['http', 'https'] : [kind]));
}

/**
 * Reads a source link, or says why it is unacceptable (a predicate: "must …",
 * "is …"). Reasons never quote the value, which may hold credentials.
 */
export function parseSourceLink(value: string, policy: LinkPolicy): { link: SourceLink } | { problem: string } {
  if (value.length === 0) return { problem: 'is empty' };
  if (value.length > policy.maxLength) return { problem: `is longer than ${policy.maxLength} characters` };
  if (UNSAFE_CHARACTERS.test(value)) return { problem: 'contains whitespace or control characters' };
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) return { problem: 'is not a valid URL' };
  const kind: SourceKind =
    scheme === 'file' ? 'file' : scheme === 'device' ? 'device' : scheme === 'http' || scheme === 'https' ? 'http' : 'rtsp';
  // Built only when needed: this runs on every start call, and backends send the URL with each.
  const refused = () => ({ problem: `must use one of these schemes: ${schemesOf(policy).join(', ') || '(none allowed)'}` });
  if (!policy.kinds.includes(kind)) return refused();
  const rest = value.slice(scheme.length + 1);
  switch (kind) {
    case 'file':
      return fileLink(rest);
    case 'device':
      return deviceLink(rest);
    case 'http': {
      const problem = sourceUrlProblem(value, { allowedSchemes: ['http', 'https'], maxLength: policy.maxLength });
      return problem ? { problem } : { link: { kind: 'http', url: value } };
    }
    case 'rtsp': {
      const problem = sourceUrlProblem(value, { allowedSchemes: policy.rtspSchemes, maxLength: policy.maxLength });
      return problem ? (problem.startsWith('must use') ? refused() : { problem }) : { link: { kind: 'rtsp', url: value } };
    }
  }
}

function fileLink(rest: string): { link: SourceLink } | { problem: string } {
  // file://host/… is URL syntax for another machine's file; we only read MEDIA_DIR.
  if (rest.startsWith('//')) return { problem: 'must be file:path/in/media-dir.mp4 (a path relative to MEDIA_DIR), not file://' };
  if (rest.length === 0) return { problem: 'names no file (file:path/in/media-dir.mp4)' };
  return { link: { kind: 'file', path: rest } };
}

function deviceLink(rest: string): { link: SourceLink } | { problem: string } {
  const [name = '', query] = rest.split('?', 2);
  let path: string;
  if (DEVICE_INDEX.test(name)) path = `/dev/video${Number(name)}`;
  else if (DEVICE_NAME.test(name)) path = `/dev/v4l/by-id/${name}`;
  else return { problem: 'must be device:N (/dev/videoN) or device:NAME (a name in /dev/v4l/by-id)' };
  const options: DeviceOptions = {};
  for (const [key, value] of new URLSearchParams(query ?? '')) {
    const pattern = Object.hasOwn(DEVICE_OPTIONS, key) ? DEVICE_OPTIONS[key as keyof DeviceOptions] : undefined;
    if (!pattern) return { problem: `has an unknown device option "${key}" (video_size, framerate, input_format)` };
    if (!pattern.test(value)) return { problem: `has a malformed device option "${key}"` };
    options[key as keyof DeviceOptions] = value;
  }
  return { link: { kind: 'device', path, options } };
}
