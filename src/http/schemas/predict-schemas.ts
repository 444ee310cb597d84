import { z } from 'zod';
import { MODEL_KINDS } from '../../detection/model-kind.js';
import { detection } from './stream-schemas.js';

const model = z.object({
  kind: z.enum(MODEL_KINDS),
  width: z.number().describe("The model's input size"),
  height: z.number(),
});

/** One picture's answer: detections (a classifier's are empty), its classes, and has_* flags. */
const pictureResult = z
  .object({
    detections: z.array(detection),
    classifications: z
      .array(z.object({ label: z.string(), score: z.number() }))
      .optional()
      .describe('A classifier: the top CLASSIFIER_TOP_K classes, best first'),
    has_person: z.boolean().describe('A label found is one of PERSON_LABELS'),
  })
  .catchall(z.boolean())
  .describe('Also has_<label>: true for every label found (a classifier: scoring at least CONFIDENCE_THRESHOLD)');

const inferenceMs = z.number().describe('Model time, for the whole batch in the batch form');

export const predictResponse = z.union([
  pictureResult.extend({ inference_ms: inferenceMs, model }),
  z.object({
    stream_id: z.string().optional(),
    model,
    results: z.array(pictureResult.extend({ frame_number: z.number() })).describe('One per frame, in the order sent'),
    inference_ms: inferenceMs,
  }),
]);
