import path from 'node:path';
import type { Logger } from 'pino';
import type { StreamEventBus } from '../events/stream-events.js';
import { isActive } from '../process/supervisor-state.js';
import { CapacityExceeded, ShuttingDown, SourceConflict, StreamNotFound } from './errors.js';
import type { StreamOutput } from './output.js';
import type { ResolvedSource } from './sources.js';
import { Stream, type StreamDeps, type StreamSettings } from './stream.js';

export interface ManagerOptions {
  streamDir: string;
  maxStreams: number;
  idleTimeoutMs: number;
  settings: StreamSettings;
  deps: StreamDeps;
  log: Logger;
  bus: StreamEventBus;
}

export type StartStatus = 'started' | 'running' | 'starting' | 'restarting';

export interface StartOptions {
  /** Answer only once the stream is playable. */
  wait: boolean;
  /** The outputs of a stream this call creates, given its folder; never called to join. */
  outputs(dir: string): StreamOutput[];
  /** Why a running stream of the id cannot serve this call (undefined: it can). */
  conflict?(existing: Stream): string | undefined;
  /** What the caller said about detection, remembered for restarts. */
  requestedDetect?: boolean;
  /** Never swept for lack of viewers (a recorded camera). */
  alwaysOn?: boolean;
}

/**
 * The in-memory map of streams. Everything that decides whether a stream is
 * created happens synchronously, so concurrent starts for one id can never
 * spawn two FFmpeg processes (single flight).
 */
export class StreamManager {
  private readonly streams = new Map<string, Stream>();
  /** Streams being torn down, so a quick restart of the same id waits for its folder to go. */
  private readonly closing = new Map<string, Promise<void>>();
  private readonly closingStreams = new Set<Stream>();

  /** Set by close: nothing may start while (or after) the daemon shuts down. */
  private closed = false;

  constructor(private readonly options: ManagerOptions) {}

  /** `created`: this call made the stream (its FFmpeg is this call's doing). */
  async start(
    id: string,
    source: ResolvedSource,
    options: StartOptions,
  ): Promise<{ status: StartStatus; stream: Stream; created: boolean }> {
    const { wait } = options;
    if (this.closed) throw new ShuttingDown();
    const existing = this.streams.get(id);
    if (existing && existing.state !== 'failed') {
      if (existing.sourceKey !== source.key) {
        throw new SourceConflict(id, 'is already running from a different source; stop it first to switch');
      }
      const conflict = options.conflict?.(existing);
      if (conflict) throw new SourceConflict(id, conflict);
      return { status: await joinStream(existing, wait), stream: existing, created: false };
    }
    if (this.activeCount() >= this.options.maxStreams) throw new CapacityExceeded(this.options.maxStreams);

    const dir = path.join(this.options.streamDir, id);
    const stream = new Stream(
      {
        id,
        input: source.input,
        sourceKey: source.key,
        knownSource: source.info,
        dir,
        outputs: options.outputs(dir),
        audio: source.audio,
        requestedDetect: options.requestedDetect,
        alwaysOn: options.alwaysOn ?? false,
      },
      this.options.settings,
      this.options.deps,
    );
    this.streams.set(id, stream);
    stream.start(this.closing.get(id));
    if (!wait) return { status: 'starting', stream, created: true };
    try {
      await stream.ready;
    } catch (error) {
      // A failed start leaves nothing behind: no process, no folder, no entry, no series.
      if (this.streams.get(id) === stream) this.streams.delete(id);
      this.options.bus.emit('stream.removed', { id });
      throw error;
    }
    return { status: 'started', stream, created: true };
  }

  /** A start by id alone: joins the live stream of that id, if there is one (its source is already known). */
  async join(id: string, wait: boolean): Promise<StartStatus | undefined> {
    const existing = this.streams.get(id);
    return existing && existing.state !== 'failed' ? joinStream(existing, wait) : undefined;
  }

  get(id: string): Stream | undefined {
    return this.streams.get(id);
  }

  list(): Stream[] {
    return [...this.streams.values()];
  }

  activeCount(): number {
    return this.list().filter((stream) => isActive(stream.state)).length;
  }

  /** Records a viewer (a start call or a playlist fetch). Returns false for unknown ids. */
  touch(id: string): boolean {
    const stream = this.streams.get(id);
    stream?.touch();
    return stream !== undefined;
  }

  async stop(id: string): Promise<void> {
    const stream = this.streams.get(id);
    if (!stream) throw new StreamNotFound(id);
    await this.stopStream(stream);
  }

  private async stopStream(stream: Stream): Promise<void> {
    const { id } = stream;
    if (this.streams.get(id) === stream) this.streams.delete(id);
    const closed = stream.close();
    this.closing.set(id, closed);
    this.closingStreams.add(stream);
    try {
      await closed;
    } finally {
      if (this.closing.get(id) === closed) this.closing.delete(id);
      this.closingStreams.delete(stream);
      // After the close: until FFmpeg is gone it still feeds per-stream series. A new stream of the id keeps them.
      if (!this.streams.has(id)) this.options.bus.emit('stream.removed', { id });
    }
  }

  /** Stops every stream nobody has touched for the idle timeout (always-on ones aside); returns their ids. */
  async sweepIdle(now = Date.now()): Promise<string[]> {
    const idle = this.list().filter((stream) => !stream.alwaysOn && now - stream.lastAccess > this.options.idleTimeoutMs);
    for (const stream of idle) {
      this.options.log.info({ stream: stream.id, idleMs: now - stream.lastAccess }, 'stopping idle stream');
    }
    await Promise.all(idle.map((stream) => this.stopStream(stream)));
    return idle.map((stream) => stream.id);
  }

  /** Stops every stream, and waits for those a sweep or a stop call is already closing. */
  async closeAll(): Promise<void> {
    await Promise.all([
      ...this.list().map((stream) => this.stopStream(stream)),
      ...[...this.closing.values()].map((p) => p.catch(() => {})),
    ]);
  }

  /** Shutdown: refuses every later start, then stops every stream. */
  async close(): Promise<void> {
    this.closed = true;
    await this.closeAll();
  }

  /** Last resort at a shutdown deadline: SIGKILL every FFmpeg process group, synchronously. */
  killAll(): void {
    for (const stream of [...this.list(), ...this.closingStreams]) {
      if (stream.pid === undefined) continue;
      try {
        process.kill(-stream.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** Another viewer of a live stream: it counts as an access, and may wait for the first segment. */
async function joinStream(stream: Stream, wait: boolean): Promise<StartStatus> {
  stream.touch();
  if (wait) await stream.ready;
  return statusOf(stream);
}

function statusOf(stream: Stream): StartStatus {
  if (stream.state === 'starting') return 'starting';
  return stream.state === 'restarting' ? 'restarting' : 'running';
}
