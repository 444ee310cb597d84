import { describe, expect, it } from 'vitest';
import { CamerasFileError, parseCamerasFile, sameEntry } from '../../src/cameras/camera-file.js';

const SECRET = 'hunter2-s3cret';
const URL_WITH_SECRET = `rtsp://admin:${SECRET}@10.0.0.5:554/stream1`;

/** The thrown CamerasFileError, checked never to carry the password. */
function failure(text: string, allowedSchemes?: string[]): CamerasFileError {
  try {
    parseCamerasFile(text, allowedSchemes);
  } catch (error) {
    expect(error).toBeInstanceOf(CamerasFileError);
    const problem = error as CamerasFileError;
    expect(problem.message).not.toContain(SECRET);
    expect(JSON.stringify(problem.issues)).not.toContain(SECRET);
    return problem;
  }
  throw new Error('expected parseCamerasFile to throw');
}

function oneCamera(fields: string): string {
  return `cameras:\n  front-door:\n${fields
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n')}\n`;
}

describe('parseCamerasFile', () => {
  it('reads YAML with every option', () => {
    const cameras = parseCamerasFile(`
cameras:
  front-door:
    url: ${URL_WITH_SECRET}
    detect: true
    audio: false
    transport: udp
    record: true
    record_retain_hours: 48
    upload: false
    snapshot_interval_seconds: 30
  garage_2:
    url: rtsps://cam.example/live
`);
    expect([...cameras.keys()]).toEqual(['front-door', 'garage_2']);
    expect(cameras.get('front-door')).toEqual({
      url: URL_WITH_SECRET,
      detect: true,
      audio: false,
      transport: 'udp',
      record: true,
      record_retain_hours: 48,
      upload: false,
      snapshot_interval_seconds: 30,
    });
    // Options left out stay out, rather than turning into explicit defaults.
    expect(cameras.get('garage_2')).toStrictEqual({ url: 'rtsps://cam.example/live' });
  });

  it.each([
    ['record: yes please', 'record', 'must be true or false'],
    ['record_retain_hours: 0', 'record_retain_hours', 'must be more than 0'],
    ['record_retain_hours: a week', 'record_retain_hours', 'must be a number of hours'],
    ['upload: 1', 'upload', 'must be true or false'],
    ['snapshot_interval_seconds: 0.5', 'snapshot_interval_seconds', 'must be at least 1'],
    ['snapshot_interval_seconds: 100000', 'snapshot_interval_seconds', 'must be at most 86400 (a day)'],
    ['snapshot_interval_seconds: often', 'snapshot_interval_seconds', 'must be a number of seconds'],
  ])('rejects bad recording fields: %s', (line, field, message) => {
    const problem = failure(oneCamera(`url: ${URL_WITH_SECRET}\n${line}`));
    expect(problem.issues).toEqual([{ cameraId: 'front-door', field, message }]);
  });

  it('tells entries apart by their recording fields too', () => {
    const base = { url: URL_WITH_SECRET };
    expect(sameEntry({ ...base, record: true }, { ...base, record: true })).toBe(true);
    expect(sameEntry({ ...base, record: true }, base)).toBe(false);
    expect(sameEntry({ ...base, record_retain_hours: 1 }, { ...base, record_retain_hours: 2 })).toBe(false);
    expect(sameEntry({ ...base, snapshot_interval_seconds: 5 }, { ...base, snapshot_interval_seconds: 10 })).toBe(false);
  });

  it('reads JSON', () => {
    const cameras = parseCamerasFile(JSON.stringify({ cameras: { cam1: { url: URL_WITH_SECRET, transport: 'tcp' } } }));
    expect(cameras.get('cam1')).toEqual({ url: URL_WITH_SECRET, transport: 'tcp' });
  });

  it('accepts an empty cameras map, written either way', () => {
    expect(parseCamerasFile('cameras:\n').size).toBe(0);
    expect(parseCamerasFile('cameras: {}\n').size).toBe(0);
    expect(parseCamerasFile('{"cameras": {}}').size).toBe(0);
  });

  it.each([
    ['missing url', 'detect: true', 'url', /is required/],
    ['url not a string', 'url: 42', 'url', /must be a string/],
    ['not a URL', `url: "${SECRET}"`, 'url', /not a valid URL/],
    ['unparseable URL', `url: "rtsp://admin:${SECRET}@[bad"`, 'url', /not a valid URL/],
    ['wrong scheme', `url: ftp://admin:${SECRET}@10.0.0.5/x`, 'url', /schemes: rtsp, rtsps, file, http, https, device/],
    ['a host-less URL with credentials', `url: "rtsp://admin:${SECRET}@/x"`, 'url', /not a valid URL/],
    ['no host', 'url: "rtsp:///x"', 'url', /has no host/],
    ['whitespace', `url: "rtsp://admin:${SECRET}@10.0.0.5/x y"`, 'url', /whitespace or control/],
    ['control character', `url: "rtsp://admin:${SECRET}@10.0.0.5/x\\u0007"`, 'url', /whitespace or control/],
    ['too long', `url: rtsp://admin:${SECRET}@10.0.0.5/${'a'.repeat(2100)}`, 'url', /longer than 2048/],
    ['detect not boolean', `url: ${URL_WITH_SECRET}\ndetect: yes`, 'detect', /true or false/],
    ['audio not boolean', `url: ${URL_WITH_SECRET}\naudio: 1`, 'audio', /true or false/],
    ['bad transport', `url: ${URL_WITH_SECRET}\ntransport: http`, 'transport', /tcp or udp/],
    ['unknown field', `url: ${URL_WITH_SECRET}\ndetcet: true`, 'detcet', /unknown field/],
  ])('rejects %s, naming the camera and the field', (_name, fields, field, reason) => {
    const error = failure(oneCamera(fields));
    expect(error.message).toContain('camera "front-door"');
    expect(error.message).toContain(`field "${field}"`);
    expect(error.message).toMatch(reason);
    expect(error.issues[0]).toMatchObject({ cameraId: 'front-door', field });
  });

  it('rejects a camera that is not a mapping', () => {
    const error = failure(`cameras:\n  front-door: ${URL_WITH_SECRET}\n  back-door:\n`);
    expect(error.message).toMatch(/camera "front-door": must be a mapping/);
    expect(error.message).toMatch(/camera "back-door": must be a mapping/);
  });

  it('rejects ids outside the stream id alphabet, without echoing a pasted URL', () => {
    expect(failure(`cameras:\n  "front door":\n    url: ${URL_WITH_SECRET}\n`).message).toMatch(/camera "front door": the id must be/);
    expect(failure(`cameras:\n  "${'x'.repeat(65)}":\n    url: ${URL_WITH_SECRET}\n`).message).toMatch(/the id must be 1 to 64/);
    // An operator who pastes the URL as the id still gets a message free of the password.
    expect(failure(`cameras:\n  "${URL_WITH_SECRET}":\n    url: ${URL_WITH_SECRET}\n`).message).toContain('rtsp://***@');
  });

  it('reports every bad camera, not just the first', () => {
    const error = failure(`cameras:\n  a:\n    url: ftp://x/\n  b:\n    url: ${URL_WITH_SECRET}\n    detcet: true\n`);
    expect(error.issues.map((issue) => [issue.cameraId, issue.field])).toEqual([
      ['a', 'url'],
      ['b', 'detcet'],
    ]);
  });

  it('rejects a malformed document without quoting its lines', () => {
    expect(failure(`cameras:\n  a:\n    url: ${URL_WITH_SECRET}/x: y: z\n`).message).toMatch(/not valid YAML or JSON \(\w+\) at line 3/);
    expect(failure(`{"cameras": {"a": {"url": "${URL_WITH_SECRET}"`).message).toMatch(/not valid YAML or JSON/);
    // Duplicate ids would make which entry wins a guess.
    expect(failure(`cameras:\n  a:\n    url: ${URL_WITH_SECRET}\n  a:\n    url: ${URL_WITH_SECRET}\n`).message).toMatch(/DUPLICATE_KEY/);
  });

  it('rejects a file without a cameras mapping', () => {
    expect(failure('').message).toMatch(/empty/);
    expect(failure(URL_WITH_SECRET).message).toMatch(/top-level "cameras"/);
    expect(failure('- a\n- b\n').message).toMatch(/top-level "cameras"/);
    expect(failure('other: 1\n').message).toMatch(/missing the top-level "cameras"/);
    expect(failure('cameras: {}\ncamera: {}\n').message).toMatch(/field "camera": unknown top-level field/);
    expect(failure(`cameras:\n  - ${URL_WITH_SECRET}\n`).message).toMatch(/field "cameras": must be a mapping/);
  });

  it('lets allowedSchemes narrow, never widen, the schemes', () => {
    const text = `cameras:\n  a:\n    url: rtsp://admin:${SECRET}@10.0.0.5/x\n  b:\n    url: rtsps://10.0.0.6/x\n`;
    expect(parseCamerasFile(text, ['rtsp', 'rtsps']).size).toBe(2);
    const error = failure(text, ['rtsps']);
    expect(error.issues).toEqual([
      { cameraId: 'a', field: 'url', message: 'must use one of these schemes: rtsps, file, http, https, device' },
    ]);
    // ALLOWED_SCHEMES names RTSP schemes only: ftp does not become one by being listed.
    expect(failure(`cameras:\n  a:\n    url: ftp://10.0.0.5/x\n`, ['ftp', 'rtsp']).message).toMatch(
      /schemes: rtsp, file, http, https, device$/,
    );
  });

  it('caps the report on a file with many problems', () => {
    const many = Array.from({ length: 15 }, (_, i) => `  cam${i}:\n    url: ftp://x/\n`).join('');
    const error = failure(`cameras:\n${many}`);
    expect(error.issues).toHaveLength(11);
    expect(error.message).toMatch(/and 5 more problems$/);
  });
});

describe('sameEntry', () => {
  it('compares every field', () => {
    const base = { url: 'rtsp://a/x', detect: true, audio: false, transport: 'tcp' as const };
    expect(sameEntry(base, { ...base })).toBe(true);
    expect(sameEntry(base, { ...base, url: 'rtsp://b/x' })).toBe(false);
    expect(sameEntry(base, { ...base, detect: false })).toBe(false);
    expect(sameEntry(base, { ...base, audio: undefined })).toBe(false);
    expect(sameEntry(base, { ...base, transport: 'udp' })).toBe(false);
    expect(sameEntry({ url: 'rtsp://a/x' }, { url: 'rtsp://a/x' })).toBe(true);
  });
});
