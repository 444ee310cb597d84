import { readFile } from 'node:fs/promises';

/** The 80 COCO classes, in the order Ultralytics models use. */
export const COCO_LABELS = [
  'person',
  'bicycle',
  'car',
  'motorcycle',
  'airplane',
  'bus',
  'train',
  'truck',
  'boat',
  'traffic light',
  'fire hydrant',
  'stop sign',
  'parking meter',
  'bench',
  'bird',
  'cat',
  'dog',
  'horse',
  'sheep',
  'cow',
  'elephant',
  'bear',
  'zebra',
  'giraffe',
  'backpack',
  'umbrella',
  'handbag',
  'tie',
  'suitcase',
  'frisbee',
  'skis',
  'snowboard',
  'sports ball',
  'kite',
  'baseball bat',
  'baseball glove',
  'skateboard',
  'surfboard',
  'tennis racket',
  'bottle',
  'wine glass',
  'cup',
  'fork',
  'knife',
  'spoon',
  'bowl',
  'banana',
  'apple',
  'sandwich',
  'orange',
  'broccoli',
  'carrot',
  'hot dog',
  'pizza',
  'donut',
  'cake',
  'chair',
  'couch',
  'potted plant',
  'bed',
  'dining table',
  'toilet',
  'tv',
  'laptop',
  'mouse',
  'remote',
  'keyboard',
  'cell phone',
  'microwave',
  'oven',
  'toaster',
  'sink',
  'refrigerator',
  'book',
  'clock',
  'vase',
  'scissors',
  'teddy bear',
  'hair drier',
  'toothbrush',
];

/**
 * Ultralytics writes class names into the model's metadata as a Python dict
 * literal: {0: 'person', 1: 'bicycle', ...}. Returns undefined if it is not one.
 */
export function parseNamesMetadata(text: string | undefined): string[] | undefined {
  if (!text) return undefined;
  const entries = [...text.matchAll(/(\d+)\s*:\s*(['"])(.*?)\2/g)];
  if (entries.length === 0) return undefined;
  const names: string[] = [];
  for (const [, index, , name] of entries) names[Number(index)] = name!;
  return Array.from(names, (name, index) => name ?? String(index));
}

/**
 * Class names from a model's metadata: Ultralytics' `names` dict, or a JSON
 * array of names (under `names` or `labels`, as other exporters write them).
 */
export function labelsFromMetadata(metadata: Record<string, string>): string[] | undefined {
  for (const key of ['names', 'labels']) {
    const text = metadata[key];
    const names = parseJsonNames(text) ?? parseNamesMetadata(text);
    if (names) return names;
  }
  return undefined;
}

function parseJsonNames(text: string | undefined): string[] | undefined {
  if (!text?.trimStart().startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) && parsed.length > 0 && parsed.every((n) => typeof n === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** One label per line; blank lines and # comments are skipped. */
export async function readLabelsFile(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8'))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}
