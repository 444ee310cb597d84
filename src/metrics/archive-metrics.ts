import { Counter, Gauge, type Registry } from 'prom-client';

/** What the recordings report, read at scrape time. */
export interface ArchiveSources {
  /** Per camera: bytes and segments kept. */
  recordings(): Array<{ id: string; bytes: number; segments: number }>;
  /** Bytes RECORD_MIN_FREE_BYTES is short by, once every finished recording is gone (0: kept). */
  diskShortBytes(): number;
  /** Per hand-off step (s3, webhook): queued segments, the oldest one's age, failed attempts so far. */
  handoff(): Array<{ step: string; depth: number; oldestAgeSeconds: number; failures: number }>;
}

const PREFIX = 'stream_manager_';

/** Recording and hand-off series, on the daemon's registry. */
export function registerArchiveMetrics(registry: Registry, sources: ArchiveSources): void {
  const registers = [registry];
  new Gauge({
    name: `${PREFIX}recording_bytes`,
    help: 'Bytes of finished recordings kept, per camera',
    labelNames: ['indicator_id'],
    registers,
    collect() {
      this.reset();
      for (const { id, bytes } of sources.recordings()) this.set({ indicator_id: id }, bytes);
    },
  });
  new Gauge({
    name: `${PREFIX}recording_segments`,
    help: 'Finished recording segments kept, per camera',
    labelNames: ['indicator_id'],
    registers,
    collect() {
      this.reset();
      for (const { id, segments } of sources.recordings()) this.set({ indicator_id: id }, segments);
    },
  });
  new Gauge({
    name: `${PREFIX}recording_disk_short_bytes`,
    help: 'How far free space is below RECORD_MIN_FREE_BYTES with every finished recording deleted (alert when > 0)',
    registers,
    collect() {
      this.set(sources.diskShortBytes());
    },
  });
  new Gauge({
    name: `${PREFIX}handoff_queue_depth`,
    help: 'Segments waiting for each hand-off step',
    labelNames: ['step'],
    registers,
    collect() {
      for (const { step, depth } of sources.handoff()) this.set({ step }, depth);
    },
  });
  new Gauge({
    name: `${PREFIX}handoff_oldest_pending_seconds`,
    help: 'Age of the oldest segment waiting for each hand-off step',
    labelNames: ['step'],
    registers,
    collect() {
      for (const { step, oldestAgeSeconds } of sources.handoff()) this.set({ step }, oldestAgeSeconds);
    },
  });
  new Counter({
    name: `${PREFIX}handoff_failures_total`,
    help: 'Failed hand-off attempts (each is retried)',
    labelNames: ['step'],
    registers,
    collect() {
      this.reset();
      for (const { step, failures } of sources.handoff()) this.inc({ step }, failures);
    },
  });
}
