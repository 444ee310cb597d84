import type { Box } from '../detection/types.js';

/** A tracked object's event, in Frigate's field names (times: epoch seconds) so that automations port over. */
export interface ObjectEvent {
  id: string;
  camera: string;
  label: string;
  /** The latest detection's score. */
  score: number;
  top_score: number;
  box: Box;
  start_time: number;
  /** null while the object is in view. */
  end_time: number | null;
  stationary: boolean;
  current_zones: string[];
  entered_zones: string[];
  has_snapshot: boolean;
  /** Which frame the snapshot is of, and the object's box in it. */
  snapshot: EventPicture | null;
  has_clip: boolean;
  /** Frames it was detected in. */
  frames: number;
}

/** The frame an event's picture was taken from. */
export interface EventPicture {
  /** Epoch seconds. */
  frame_time: number;
  box: Box;
  score: number;
}

export type EventChange = 'new' | 'update' | 'end';

/** What subscribers receive: the event as it was and as it is (the same for 'new'). */
export interface EventMessage {
  type: EventChange;
  before: ObjectEvent;
  after: ObjectEvent;
}
