import type { StreamEventBus } from '../events/stream-events.js';
import { SourceFailure } from '../ffmpeg/failure.js';
import { OwnedElsewhere, StreamStopped } from './errors.js';
import type { StartStatus, StreamManager } from './manager.js';
import type { StreamOutput } from './output.js';
import type { SourceGate } from './source-gate.js';
import type { RecordingRequest, SourceResolver } from './sources.js';

export interface StartRequest {
  id: string;
  /** A camera URL from the API; undefined: join the running stream, or start the id's configured camera. */
  rtspLink?: string;
  /** Answer once the stream is playable. */
  wait: boolean;
  /** Detection on or off; undefined: the camera's entry decides, else DETECT_ENABLED. */
  detect?: boolean;
}

export interface StartOutcome {
  status: StartStatus;
  /** This call created the stream (its FFmpeg is this call's doing). */
  created: boolean;
}

/** Which node of a fleet runs a camera (its lease); absent on a daemon of its own. */
export interface Placement {
  /** Before a stream is created here. `unknown`: Redis cannot say, so this node decides alone. */
  claim(id: string): Promise<{ kind: 'mine' } | { kind: 'elsewhere'; owner: string } | { kind: 'unknown' }>;
  /** A claimed stream that was not created after all. */
  release(id: string): Promise<void>;
}

/** What the start service needs from detection: a frames output per stream. */
export interface FramesOutputs {
  framesOutput(id: string): StreamOutput;
}

export interface StartStreamDeps {
  manager: Pick<StreamManager, 'join' | 'start' | 'get'>;
  /** In a fleet: the camera's lease, taken before its stream is created here. */
  placement?: Placement;
  resolveSource: SourceResolver;
  /** The source's last check (hosts, redirects, MEDIA_DIR); returns what FFmpeg should open, or throws. */
  checkSource: SourceGate;
  /** Loads the detector on first use; throws DetectionUnavailable when it cannot. */
  detection(): Promise<FramesOutputs>;
  /** DETECT_ENABLED. */
  detectByDefault: boolean;
  /** The outputs every stream has (HLS, …), given its id and folder. */
  baseOutputs(id: string, dir: string): StreamOutput[];
  /** What a detecting stream has besides the detector's frames (full-size frames for event pictures). */
  detectionCompanions(id: string): StreamOutput[];
  /** The archive's outputs of a camera with record: true or snapshot_interval_seconds, beside the stream's others. */
  recordingOutputs(id: string, recording: RecordingRequest, others: readonly StreamOutput[]): StreamOutput[];
  bus: StreamEventBus;
}

export type StartStream = (request: StartRequest) => Promise<StartOutcome>;

/**
 * The rules of a start, for every caller (the HTTP API, the camera registry,
 * and later MQTT commands or peer nodes):
 *
 * 1. An id alone (no URL, no detect=) joins the running stream of that id.
 * 2. Otherwise the source is resolved: the demo, a CAMERAS_FILE camera, or the
 *    request's URL (unless ALLOW_API_SOURCES=false); then the source gate checks it
 *    (API hosts against ALLOWED_SOURCE_HOSTS, http redirects, file: paths against
 *    MEDIA_DIR), and FFmpeg gets what was checked.
 * 3. Detection: the request's detect, else the camera entry's, else DETECT_ENABLED.
 *    A running stream asked for the opposite, explicitly, is a conflict.
 * 4. In a fleet, a stream this node does not run yet needs the camera's lease: held by another
 *    node, the start is refused with OwnedElsewhere (the HTTP edge forwards it there).
 * 5. A camera archived by CAMERAS_FILE (footage, snapshots) gets the archive's outputs and is always on.
 * 6. The outcome is published as 'start.finished'.
 */
export function createStartStream(deps: StartStreamDeps): StartStream {
  const { manager, resolveSource, bus } = deps;

  /** Publishes how a start ended, for metrics and whoever else listens. */
  const finished = async <T>(id: string, run: () => Promise<T>): Promise<T> => {
    const startedAt = performance.now();
    try {
      return await run();
    } catch (error) {
      const seconds = (performance.now() - startedAt) / 1000;
      if (error instanceof SourceFailure) bus.emit('start.finished', { id, result: 'failed', seconds, cause: error.failure.cause });
      if (error instanceof StreamStopped) bus.emit('start.finished', { id, result: 'stopped' });
      throw error;
    }
  };

  /** Takes the camera's lease unless the stream already runs here; whether this call took it. */
  const claim = async (id: string): Promise<boolean> => {
    const { placement } = deps;
    const existing = manager.get(id);
    if (!placement || (existing && existing.state !== 'failed')) return false;
    const claimed = await placement.claim(id);
    if (claimed.kind === 'elsewhere') throw new OwnedElsewhere(id, claimed.owner);
    return claimed.kind === 'mine';
  };

  /** Joins the running stream of an id; undefined when none runs. */
  const join = async (id: string, wait: boolean): Promise<StartOutcome | undefined> => {
    const joined = await finished(id, () => manager.join(id, wait));
    if (!joined) return undefined;
    bus.emit('start.finished', { id, result: 'joined' });
    return { status: joined, created: false };
  };

  /** The id runs from this very source, with the detection asked for (or none asked for). */
  const runsAsAsked = (id: string, key: string, detect: boolean | undefined): boolean => {
    const running = manager.get(id);
    if (!running || running.state === 'failed' || running.sourceKey !== key) return false;
    return detect === undefined || (running.output('detection') !== undefined) === detect;
  };

  return async ({ id, rtspLink, wait, detect }) => {
    if (rtspLink === undefined && detect === undefined) {
      const joined = await join(id, wait);
      if (joined) return joined;
    }
    const resolved = resolveSource(id, rtspLink);
    // Backends send the URL with every call: joining opens nothing, so the source gate (DNS, an
    // HTTP request for redirects, realpath) is for streams about to start, not for these.
    if (runsAsAsked(id, resolved.key, detect)) {
      const joined = await join(id, wait);
      if (joined) return joined;
    }
    // Checked before anything is started.
    const checked = await deps.checkSource(resolved);
    const detecting = detect ?? resolved.detect ?? deps.detectByDefault;
    const frames = detecting ? await deps.detection() : undefined;
    const claimed = await claim(id);
    try {
      // CAMERAS_FILE may have been reloaded during those waits (a model load takes seconds): take the
      // entry as it is now. Should that turn a camera of the file into the request's own URL, that URL
      // is checked too. Nothing else awaits between here and the manager's map.
      const current = resolveSource(id, rtspLink);
      const source = current.key === resolved.key ? checked : await deps.checkSource(current);

      const startedAt = performance.now();
      return await finished(id, async () => {
        const { status, created } = await manager.start(id, source, {
          wait,
          outputs: (dir) => {
            const outputs = [...deps.baseOutputs(id, dir), ...(frames ? [frames.framesOutput(id), ...deps.detectionCompanions(id)] : [])];
            return source.recording ? [...outputs, ...deps.recordingOutputs(id, source.recording, outputs)] : outputs;
          },
          alwaysOn: source.recording !== undefined,
          conflict: (existing) => {
            const existingDetects = existing.output('detection') !== undefined;
            if (detect === undefined || existingDetects === detect) return undefined;
            return `is already running with detection ${existingDetects ? 'on' : 'off'}; stop it first to switch`;
          },
          requestedDetect: detect,
        });
        // The duration histogram takes only starts that spawned FFmpeg and waited for it.
        const seconds = wait ? (performance.now() - startedAt) / 1000 : undefined;
        bus.emit('start.finished', created ? { id, result: 'started', seconds } : { id, result: 'joined' });
        return { status, created };
      });
    } catch (error) {
      // A lease taken for a stream that was not created after all (a full node, a refused host) goes back.
      if (claimed && !manager.get(id)) void deps.placement?.release(id);
      throw error;
    }
  };
}
