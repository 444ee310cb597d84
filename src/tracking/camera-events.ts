import type { Box, Detection } from '../detection/types.js';
import type { EventRules } from './event-rules.js';
import { area, footPoint, inPolygon, iou } from './geometry.js';
import type { EventMessage, EventPicture, ObjectEvent } from './object-event.js';
import { DEFAULT_TRACKER, type Track, Tracker } from './tracker.js';

/** Scores remembered per object for the median. */
const SCORE_WINDOW = 10;
/** Below this overlap with where it was, the object has moved (for stationary and for updates). */
const SAME_PLACE_IOU = 0.9;
/** A better top score by less than this is not news. */
const SCORE_STEP = 0.02;

interface Followed {
  track: Track;
  scores: number[];
  entered: Set<string>;
  current: string[];
  /** Where it stopped moving, and since when. */
  anchor: { box: Box; since: number };
  topScore: number;
  /** The frame its best picture is of, once one is kept. */
  picture?: EventPicture;
  /** The event as last published; undefined until the object is confirmed. */
  published?: ObjectEvent;
  publishedAt: number;
}

export interface CameraEventsOptions {
  camera: string;
  rules: EventRules;
  newId(startMs: number): string;
  /**
   * The object scored its best so far in the frame taken at `at`: keep that frame as the event's
   * picture. Returns whether one was kept (the frame may be gone).
   */
  keepPicture?(eventId: string, picture: EventPicture): boolean;
  /** Whether an event of this camera can have a clip (the camera records). */
  hasClip: boolean;
}

/**
 * One camera's tracked objects turned into events: an object becomes an
 * event once seen in minFrames frames with a median score of minScore (and in
 * a zone, when the camera has zones); it is updated when it moves, enters or
 * leaves a zone, stops or starts moving, or scores better, at most once per
 * updateIntervalMs; it ends when unseen for endMs or when the camera stops.
 * Pure apart from its own state: time comes with each call.
 */
export class CameraEvents {
  readonly #tracker: Tracker;
  readonly #followed = new Map<Track, Followed>();

  constructor(private readonly options: CameraEventsOptions) {
    this.#tracker = new Tracker({ ...DEFAULT_TRACKER, forgetAfterMs: options.rules.endMs });
  }

  /** One analysed frame (at: when it was taken, epoch ms). */
  frame(at: number, detections: readonly Detection[]): EventMessage[] {
    const { labels, minArea } = this.options.rules;
    const wanted = detections.filter((d) => (labels === undefined || labels.has(d.label)) && area(d.box) >= minArea);
    const { seen, lost } = this.#tracker.update(at, wanted);
    const messages: EventMessage[] = [];
    for (const track of seen) {
      const message = this.#saw(track, at);
      if (message) messages.push(message);
    }
    messages.push(...this.#ended(lost, undefined));
    return messages;
  }

  /** Time passes without frames (FFmpeg restarting): objects unseen for endMs end. */
  tick(at: number): EventMessage[] {
    return this.#ended(this.#tracker.expire(at), undefined);
  }

  /** The camera stopped (or the daemon is shutting down): every event ends now. */
  close(at: number): EventMessage[] {
    return this.#ended(this.#tracker.clear(), at);
  }

  /** Events in progress. */
  active(): ObjectEvent[] {
    return [...this.#followed.values()].flatMap((f) => (f.published ? [f.published] : []));
  }

  #saw(track: Track, at: number): EventMessage | undefined {
    let followed = this.#followed.get(track);
    if (!followed) {
      followed = { track, scores: [], entered: new Set(), current: [], anchor: { box: track.box, since: at }, topScore: 0, publishedAt: 0 };
      this.#followed.set(track, followed);
    }
    followed.scores = [...followed.scores, track.score].slice(-SCORE_WINDOW);
    followed.current = this.options.rules.zones.filter((zone) => inPolygon(footPoint(track.box), zone.points)).map((zone) => zone.name);
    for (const zone of followed.current) followed.entered.add(zone);
    if (iou(followed.anchor.box, track.box) < SAME_PLACE_IOU) followed.anchor = { box: track.box, since: at };

    const { published } = followed;
    if (!published) {
      if (!this.#confirmed(followed)) return undefined;
      followed.topScore = Math.max(...followed.scores);
      const id = this.options.newId(track.firstSeen);
      this.#keepPicture(id, followed, at);
      const created = this.#view(followed, at, null, id);
      followed.published = created;
      followed.publishedAt = at;
      return { type: 'new', before: created, after: created };
    }
    if (track.score > followed.topScore) {
      followed.topScore = track.score;
      this.#keepPicture(published.id, followed, at);
    }
    const now = this.#view(followed, at, null);
    if (at - followed.publishedAt < this.options.rules.updateIntervalMs || !newsworthy(published, now)) return undefined;
    followed.published = now;
    followed.publishedAt = at;
    return { type: 'update', before: published, after: now };
  }

  #confirmed({ track, scores, entered }: Followed): boolean {
    const { minFrames, minScore, zones } = this.options.rules;
    return track.hits >= minFrames && median(scores) >= minScore && (zones.length === 0 || entered.size > 0);
  }

  #ended(tracks: Track[], at: number | undefined): EventMessage[] {
    const messages: EventMessage[] = [];
    for (const track of tracks) {
      const followed = this.#followed.get(track);
      this.#followed.delete(track);
      if (!followed?.published) continue;
      const endedAt = at ?? track.lastSeen;
      const ended: ObjectEvent = { ...this.#view(followed, endedAt, endedAt / 1000), current_zones: [] };
      messages.push({ type: 'end', before: followed.published, after: ended });
    }
    return messages;
  }

  #keepPicture(id: string, followed: Followed, at: number): void {
    const picture: EventPicture = { frame_time: at / 1000, box: followed.track.box, score: round(followed.track.score) };
    if (this.options.keepPicture?.(id, picture)) followed.picture = picture;
  }

  #view(
    { track, topScore, current, entered, anchor, published, picture }: Followed,
    at: number,
    endTime: number | null,
    id?: string,
  ): ObjectEvent {
    return {
      id: id ?? published!.id,
      camera: this.options.camera,
      label: track.label,
      score: round(track.score),
      top_score: round(topScore),
      box: track.box,
      start_time: track.firstSeen / 1000,
      end_time: endTime,
      stationary: at - anchor.since >= this.options.rules.stationaryMs,
      current_zones: current,
      entered_zones: [...entered],
      has_snapshot: picture !== undefined,
      snapshot: picture ?? null,
      has_clip: this.options.hasClip,
      frames: track.hits,
    };
  }
}

/** Whether an update is worth sending: it moved, its zones or stillness changed, or it scores better. */
function newsworthy(before: ObjectEvent, after: ObjectEvent): boolean {
  return (
    iou(before.box, after.box) < SAME_PLACE_IOU ||
    before.stationary !== after.stationary ||
    before.current_zones.join() !== after.current_zones.join() ||
    after.top_score >= before.top_score + SCORE_STEP
  );
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round = (value: number) => Math.round(value * 1000) / 1000;
