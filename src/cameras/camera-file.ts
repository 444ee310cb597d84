import { parse, YAMLError } from 'yaml';
import { z } from 'zod';
import { parseSourceLink } from '../sources/source-link.js';
import { STREAM_ID_PATTERN } from '../streams/stream-id.js';
import { redactText } from '../util/redact.js';

/** One camera as operators describe it in CAMERAS_FILE. */
export interface CameraEntry {
  /** rtsp(s)://…, file:path/in/MEDIA_DIR.mp4, http(s)://…, or device:N / device:NAME (see README "Sources"). */
  url: string;
  detect?: boolean;
  audio?: boolean;
  transport?: 'tcp' | 'udp';
  /** Always on, recorded into RECORD_DIR. */
  record?: boolean;
  /** This camera's own RECORD_RETAIN_HOURS. */
  record_retain_hours?: number;
  /** Hand its finished segments and snapshots to S3 and the webhook (default: whichever are configured). */
  upload?: boolean;
  /** A full-resolution JPEG every N seconds into RECORD_DIR (always on, with or without record). */
  snapshot_interval_seconds?: number;
  /** Labels that make events (person, car, …); all of them when left out. */
  objects?: string[];
  /** Named polygons in normalised coordinates; with any, an object must enter one to make an event. */
  zones?: Record<string, Array<[number, number]>>;
  /** Boxes smaller than this fraction of the picture make no event. */
  min_area?: number;
}

/** Whether the camera keeps anything in RECORD_DIR (footage, snapshots): such a camera is always on. */
export function isArchived(entry: CameraEntry | undefined): boolean {
  return entry?.record === true || entry?.snapshot_interval_seconds !== undefined;
}

export interface CamerasFileIssue {
  cameraId?: string;
  field?: string;
  message: string;
}

/**
 * Every message is built from our own words plus ids and field names; values
 * are never echoed, because the values hold camera credentials.
 */
export class CamerasFileError extends Error {
  readonly issues: CamerasFileIssue[];

  constructor(issues: CamerasFileIssue[]) {
    super(issues.map(describeIssue).join('; '));
    this.name = 'CamerasFileError';
    this.issues = issues;
  }
}

export const CAMERA_SCHEMES = ['rtsp', 'rtsps'] as const;
export const MAX_CAMERA_URL_LENGTH = 2048;
// Enough to fix a file in one pass without burying the first problem.
const MAX_REPORTED_ISSUES = 10;

function describeIssue({ cameraId, field, message }: CamerasFileIssue): string {
  const where = [cameraId === undefined ? '' : `camera "${cameraId}"`, field === undefined ? '' : `field "${field}"`]
    .filter(Boolean)
    .join(', ');
  return where ? `${where}: ${message}` : message;
}

/** Ids and keys are echoed so operators can find the line; a pasted URL in the wrong place must still not leak. */
function quotable(key: string): string {
  const redacted = redactText(key);
  return redacted.length > 64 ? `${redacted.slice(0, 64)}…` : redacted;
}

function urlSchema(schemes: readonly string[]) {
  return z.string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') }).superRefine((value, ctx) => {
    // ALLOWED_SCHEMES narrows RTSP only: files, HTTP video and devices are kinds of their own.
    const parsed = parseSourceLink(value, {
      kinds: ['rtsp', 'file', 'http', 'device'],
      rtspSchemes: schemes,
      maxLength: MAX_CAMERA_URL_LENGTH,
    });
    if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
  });
}

function entrySchema(schemes: readonly string[]) {
  const flag = z.boolean({ error: 'must be true or false' }).optional();
  const unit = z
    .number({ error: 'must be a number from 0 to 1' })
    .min(0, { error: 'must be a number from 0 to 1' })
    .max(1, { error: 'must be a number from 0 to 1' });
  return z.strictObject(
    {
      url: urlSchema(schemes),
      detect: flag,
      audio: flag,
      transport: z.enum(['tcp', 'udp'], { error: 'must be tcp or udp' }).optional(),
      record: flag,
      record_retain_hours: z.number({ error: 'must be a number of hours' }).positive({ error: 'must be more than 0' }).optional(),
      upload: flag,
      snapshot_interval_seconds: z
        .number({ error: 'must be a number of seconds' })
        .min(1, { error: 'must be at least 1' })
        .max(86_400, { error: 'must be at most 86400 (a day)' })
        .optional(),
      objects: z
        .array(z.string().min(1).max(64), { error: 'must be a list of labels' })
        .min(1, { error: 'must name at least one label' })
        .optional(),
      zones: z
        .record(
          z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'zone names are letters, digits, _ and -' }),
          z
            .array(z.tuple([unit, unit], { error: 'points are [x, y] pairs' }), { error: 'must be a list of [x, y] points' })
            .min(3, { error: 'a zone needs at least 3 points' }),
          { error: 'must map zone names to polygons' },
        )
        .optional(),
      min_area: unit.optional(),
    },
    { error: (issue) => (issue.code === 'invalid_type' ? 'must be a mapping with at least a url' : undefined) },
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseDocument(text: string): unknown {
  try {
    // 'error' keeps yaml from printing warnings (with source excerpts) to the console.
    return parse(text, { logLevel: 'error' });
  } catch (error) {
    // yaml's messages quote the offending source line, which may hold a URL: keep only code and position.
    if (error instanceof YAMLError) {
      const at = error.linePos?.[0];
      const position = at ? ` at line ${at.line}, column ${at.col}` : '';
      throw new CamerasFileError([{ message: `not valid YAML or JSON (${error.code})${position}` }]);
    }
    throw new CamerasFileError([{ message: 'not valid YAML or JSON' }]);
  }
}

/**
 * The cameras in a CAMERAS_FILE (YAML, or JSON, which is YAML too). Unknown
 * fields are errors so that a typo such as `detcet` fails loudly instead of
 * silently turning detection off. `allowedSchemes` can only narrow rtsp/rtsps.
 * file: paths are checked against MEDIA_DIR by the loader (media-check), which needs the disk.
 */
export function parseCamerasFile(text: string, allowedSchemes?: readonly string[]): Map<string, CameraEntry> {
  const schemes = allowedSchemes
    ? CAMERA_SCHEMES.filter((scheme) => allowedSchemes.some((allowed) => allowed.toLowerCase() === scheme))
    : [...CAMERA_SCHEMES];
  const document = parseDocument(text);
  if (document === null || document === undefined) {
    throw new CamerasFileError([{ message: 'the file is empty; expected a top-level "cameras" mapping' }]);
  }
  if (!isPlainObject(document)) {
    throw new CamerasFileError([{ message: 'expected a mapping with a top-level "cameras" key' }]);
  }
  const issues: CamerasFileIssue[] = Object.keys(document)
    .filter((key) => key !== 'cameras')
    .map((key) => ({ field: quotable(key), message: 'unknown top-level field' }));
  if (!('cameras' in document)) issues.push({ message: 'missing the top-level "cameras" mapping' });
  const cameras = document.cameras ?? {};
  if (!isPlainObject(cameras)) issues.push({ field: 'cameras', message: 'must be a mapping of camera id to camera' });
  if (issues.length > 0) throw new CamerasFileError(issues);

  const schema = entrySchema(schemes);
  const entries = new Map<string, CameraEntry>();
  for (const [id, raw] of Object.entries(cameras as Record<string, unknown>)) {
    if (!STREAM_ID_PATTERN.test(id)) {
      issues.push({ cameraId: quotable(id), message: 'the id must be 1 to 64 characters of A-Z, a-z, 0-9, _ or -' });
      continue;
    }
    const result = schema.safeParse(raw);
    if (!result.success) {
      for (const issue of result.error.issues) {
        if (issue.code === 'unrecognized_keys') {
          for (const key of issue.keys) issues.push({ cameraId: id, field: quotable(key), message: 'unknown field' });
        } else {
          const field = issue.path.length > 0 ? issue.path.map(String).join('.') : undefined;
          issues.push({ cameraId: id, ...(field === undefined ? {} : { field }), message: issue.message });
        }
      }
      continue;
    }
    // Only the fields that were set, so that sameEntry and logs see what the operator wrote.
    entries.set(id, Object.fromEntries(Object.entries(result.data).filter(([, value]) => value !== undefined)) as unknown as CameraEntry);
  }
  if (issues.length > 0) {
    const shown = issues.slice(0, MAX_REPORTED_ISSUES);
    if (issues.length > shown.length) shown.push({ message: `and ${issues.length - shown.length} more problems` });
    throw new CamerasFileError(shown);
  }
  return entries;
}

const ENTRY_FIELDS = [
  'url',
  'detect',
  'audio',
  'transport',
  'record',
  'record_retain_hours',
  'upload',
  'snapshot_interval_seconds',
  'objects',
  'zones',
  'min_area',
] as const satisfies ReadonlyArray<keyof CameraEntry>;

export function sameEntry(a: CameraEntry, b: CameraEntry): boolean {
  // Lists and zones compare by value.
  return ENTRY_FIELDS.every((field) => JSON.stringify(a[field]) === JSON.stringify(b[field]));
}
