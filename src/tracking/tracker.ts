import type { Box, Detection } from '../detection/types.js';
import { centreDistance, iou } from './geometry.js';

/** One object followed across frames. Positions are normalised; velocities per second. */
export interface Track {
  readonly label: string;
  box: Box;
  /** Centre velocity (per second), from the last matches. */
  vx: number;
  vy: number;
  score: number;
  /** Frames it was matched in. */
  hits: number;
  firstSeen: number;
  lastSeen: number;
}

export interface TrackerOptions {
  /** Lowest IoU of a detection with a track's predicted box for them to be the same object. */
  minIou: number;
  /** Else the largest centre distance (in box diagonals) that still matches. */
  maxCentreDistance: number;
  /** A track not matched for this long is dropped (ms). */
  forgetAfterMs: number;
}

export const DEFAULT_TRACKER: TrackerOptions = { minIou: 0.2, maxCentreDistance: 0.6, forgetAfterMs: 5000 };

/** How much a new velocity estimate counts against the previous one. */
const VELOCITY_GAIN = 0.5;
/** A prediction is not stretched over gaps longer than this: an object that stopped must still match. */
const MAX_PREDICT_MS = 2000;

export interface FrameResult {
  /** Tracks matched in this frame, new ones included. */
  seen: Track[];
  /** Tracks dropped in this frame (not seen for forgetAfterMs). */
  lost: Track[];
}

/**
 * Links detections across frames: each track's box is predicted forward with
 * a constant-velocity model, then detections and predictions of the same label
 * are paired greedily, best first (IoU, else centre distance for small, fast
 * objects). Unpaired detections start tracks; tracks unseen for forgetAfterMs
 * are dropped. Pure apart from its own state: time comes with each frame.
 */
export class Tracker {
  readonly #tracks: Track[] = [];

  constructor(private readonly options: TrackerOptions = DEFAULT_TRACKER) {}

  update(at: number, detections: readonly Detection[]): FrameResult {
    const pairs: Array<{ track: Track; detection: Detection; cost: number }> = [];
    for (const track of this.#tracks) {
      const predicted = predict(track, at);
      for (const detection of detections) {
        if (detection.label !== track.label) continue;
        const overlap = iou(predicted, detection.box);
        const distance = centreDistance(predicted, detection.box);
        if (overlap >= this.options.minIou) pairs.push({ track, detection, cost: 1 - overlap });
        else if (distance <= this.options.maxCentreDistance) pairs.push({ track, detection, cost: 1 + distance });
      }
    }
    pairs.sort((a, b) => a.cost - b.cost);
    const matchedTracks = new Set<Track>();
    const matchedDetections = new Set<Detection>();
    for (const { track, detection } of pairs) {
      if (matchedTracks.has(track) || matchedDetections.has(detection)) continue;
      matchedTracks.add(track);
      matchedDetections.add(detection);
      follow(track, detection, at);
    }
    for (const detection of detections) {
      if (matchedDetections.has(detection)) continue;
      const track: Track = {
        label: detection.label,
        box: detection.box,
        vx: 0,
        vy: 0,
        score: detection.score,
        hits: 1,
        firstSeen: at,
        lastSeen: at,
      };
      this.#tracks.push(track);
      matchedTracks.add(track);
    }
    return { seen: [...matchedTracks], lost: this.expire(at) };
  }

  /** Drops the tracks unseen for forgetAfterMs by `at` (time passes without frames while FFmpeg restarts). */
  expire(at: number): Track[] {
    const lost = this.#tracks.filter((track) => at - track.lastSeen >= this.options.forgetAfterMs);
    for (const track of lost) this.#tracks.splice(this.#tracks.indexOf(track), 1);
    return lost;
  }

  /** Drops every track (the stream stopped); returns them. */
  clear(): Track[] {
    return this.#tracks.splice(0);
  }
}

function predict(track: Track, at: number): Box {
  const seconds = Math.min(at - track.lastSeen, MAX_PREDICT_MS) / 1000;
  return { ...track.box, x: track.box.x + track.vx * seconds, y: track.box.y + track.vy * seconds };
}

function follow(track: Track, detection: Detection, at: number): void {
  const seconds = (at - track.lastSeen) / 1000;
  if (seconds > 0) {
    const vx = (detection.box.x + detection.box.w / 2 - (track.box.x + track.box.w / 2)) / seconds;
    const vy = (detection.box.y + detection.box.h / 2 - (track.box.y + track.box.h / 2)) / seconds;
    track.vx += VELOCITY_GAIN * (vx - track.vx);
    track.vy += VELOCITY_GAIN * (vy - track.vy);
  }
  track.box = detection.box;
  track.score = detection.score;
  track.hits += 1;
  track.lastSeen = at;
}
