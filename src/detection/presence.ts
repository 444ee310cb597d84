import type { LabelledResult } from './labelling.js';

/** `has_person`, `has_face`, `has_traffic_light`: one flag per label found in an answer. */
type PresenceFlags = Record<`has_${string}`, boolean>;

/**
 * What an answer says is in the picture, as flags a caller can test without
 * walking the lists. Only labels that were found get a flag (true); an absent
 * flag means not found. `has_person` is always there, true or false, because
 * callers moving off the seed ask exactly that: it is true when any found label
 * is one of personLabels (a face is a person; ImageNet has no person class, so
 * a classifier only says so for labels the operator names, such as "scuba diver").
 * Detections are already above the confidence threshold; a classifier's top-k
 * classes count from the threshold on, since its fifth class is rarely there.
 */
export function presenceFlags(result: LabelledResult, threshold: number, personLabels: readonly string[]): PresenceFlags {
  const found = [
    ...result.detections.map((d) => d.label),
    ...result.classifications.filter((c) => c.score >= threshold).map((c) => c.label),
  ];
  const flags: PresenceFlags = { has_person: found.some((label) => personLabels.includes(label.toLowerCase())) };
  for (const label of found) {
    const key = flagName(label);
    if (key) flags[key] = true;
  }
  return flags;
}

/** "traffic light" → has_traffic_light; a label with no letters or digits gets no flag. */
export function flagName(label: string): `has_${string}` | undefined {
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return slug ? `has_${slug}` : undefined;
}
