import { z } from 'zod';
import { detection } from './stream-schemas.js';

const box = detection.shape.box;

export const objectEvent = z
  .object({
    id: z.string().meta({ examples: ['1733337000.123456-a1b2c3'] }),
    camera: z.string(),
    label: z.string().meta({ examples: ['person'] }),
    score: z.number().describe("The latest detection's score."),
    top_score: z.number(),
    box,
    start_time: z.number().describe('Epoch seconds.'),
    end_time: z.number().nullable().describe('Epoch seconds; null while the object is in view.'),
    stationary: z.boolean(),
    current_zones: z.array(z.string()),
    entered_zones: z.array(z.string()),
    has_snapshot: z.boolean(),
    snapshot: z
      .object({ frame_time: z.number(), box, score: z.number() })
      .nullable()
      .describe("Which frame the event's picture is of, and the object's box in it."),
    has_clip: z.boolean(),
    frames: z.number().describe('Frames the object was detected in.'),
  })
  .meta({ id: 'ObjectEvent' });

export const eventListResponse = z.object({
  events: z.array(objectEvent),
  next_cursor: z.string().nullable().describe('Pass as cursor= for the next (older) page; null on the last.'),
});

export const eventDeletedResponse = z.object({ deleted: z.string() });
