import { describe, expect, it } from 'vitest';
import type { LabelledResult } from '../../src/detection/labelling.js';
import { flagName, presenceFlags } from '../../src/detection/presence.js';

const box = { x: 0, y: 0, w: 0.1, h: 0.1 };
const detected = (...labels: string[]): LabelledResult => ({
  detections: labels.map((label) => ({ label, score: 0.9, box })),
  classifications: [],
});
const classified = (...classes: Array<[string, number]>): LabelledResult => ({
  detections: [],
  classifications: classes.map(([label, score]) => ({ label, score })),
});
const PEOPLE = ['person', 'face'];

describe('presenceFlags', () => {
  it.each([
    ['nothing found', detected(), { has_person: false }],
    ['a YOLO person and a car', detected('person', 'car', 'car'), { has_person: true, has_car: true }],
    ['a BlazeFace face is a person', detected('face'), { has_person: true, has_face: true }],
    ['labels become flag names', detected('traffic light', 'Hard-Hat'), { has_person: false, has_traffic_light: true, has_hard_hat: true }],
    [
      'classes from the threshold on',
      classified(['tabby', 0.7], ['tiger cat', 0.5], ['lynx', 0.49]),
      { has_person: false, has_tabby: true, has_tiger_cat: true },
    ],
    ['ImageNet has no person class', classified(['scuba diver', 0.9]), { has_person: false, has_scuba_diver: true }],
  ])('%s', (_name, result, flags) => {
    expect(presenceFlags(result, 0.5, PEOPLE)).toEqual(flags);
  });

  it('counts the labels an operator names as people, in any case', () => {
    expect(presenceFlags(classified(['Scuba Diver', 0.9]), 0.5, ['scuba diver']).has_person).toBe(true);
    expect(presenceFlags(classified(['scuba diver', 0.4]), 0.5, ['scuba diver']).has_person).toBe(false);
  });

  it.each([
    ['person', 'has_person'],
    ['traffic light', 'has_traffic_light'],
    ['  cell  phone ', 'has_cell_phone'],
    ['7', 'has_7'],
    ['???', undefined],
  ])('names the flag of %j', (label, name) => {
    expect(flagName(label)).toBe(name);
  });
});
