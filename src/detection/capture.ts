import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { frameToJpeg } from './images.js';
import type { Letterbox } from './letterbox.js';
import type { Detection } from './types.js';

export interface CaptureSample {
  streamId: string;
  frame: Uint8Array;
  letterbox: Letterbox;
  detections: Detection[];
  capturedAt: number;
}

/**
 * Dataset capture: CAPTURE_DIR/YYYY/MM/DD/<timestamp>_<uuid>.jpg and a .json
 * beside it with the detections, for labelling and retraining later.
 */
export async function writeCapture(dir: string, sample: CaptureSample): Promise<string> {
  const at = new Date(sample.capturedAt);
  const day = path.join(dir, String(at.getUTCFullYear()), pad(at.getUTCMonth() + 1), pad(at.getUTCDate()));
  await mkdir(day, { recursive: true });
  const base = path.join(day, `${at.toISOString().replace(/[:.]/g, '-')}_${randomUUID()}`);
  await writeFile(`${base}.jpg`, await frameToJpeg(sample.frame, sample.letterbox));
  await writeFile(
    `${base}.json`,
    JSON.stringify(
      {
        indicator_id: sample.streamId,
        ts: at.toISOString(),
        width: sample.letterbox.contentWidth,
        height: sample.letterbox.contentHeight,
        detections: sample.detections,
      },
      null,
      2,
    ),
  );
  return base;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
