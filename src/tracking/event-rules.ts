/** A named zone: a polygon in normalised picture coordinates. */
export interface Zone {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
}

/** What makes an event of a tracked object, for one camera. */
export interface EventRules {
  /** EVENT_MIN_FRAMES: frames an object must be seen in before it is an event. */
  minFrames: number;
  /** EVENT_MIN_SCORE: the median of its recent scores must reach this. */
  minScore: number;
  /** EVENT_END_SECONDS, in ms: unseen this long, the event ends. */
  endMs: number;
  /** EVENT_STATIONARY_SECONDS, in ms: not moved for this long, it is stationary. */
  stationaryMs: number;
  /** EVENT_UPDATE_INTERVAL_SECONDS, in ms: at most one update per event this often. */
  updateIntervalMs: number;
  /** The camera's objects: labels that make events; undefined: every label. */
  labels: ReadonlySet<string> | undefined;
  /** The camera's min_area: smaller boxes (fraction of the picture) are ignored. */
  minArea: number;
  /** The camera's zones: when there are any, an object must enter one to become an event. */
  zones: readonly Zone[];
}

export const DEFAULT_EVENT_RULES: EventRules = {
  minFrames: 2,
  minScore: 0.6,
  endMs: 5000,
  stationaryMs: 10_000,
  updateIntervalMs: 1000,
  labels: undefined,
  minArea: 0,
  zones: [],
};
