/** Where a segment's hand-off stands: queued, done, given up on (past the queue's limit), or not asked for. */
export type UploadState = 'pending' | 'uploaded' | 'backlog';

/** One finished MP4 segment of a camera's recording. */
export interface RecordedSegment {
  /** YYYY-MM-DD/HH-MM-SS.mp4, relative to RECORD_DIR/<id>. */
  name: string;
  /** When its first frame was recorded (epoch ms). */
  start: number;
  /** Seconds. */
  duration: number;
  bytes: number;
  upload?: UploadState;
  /** Its object key, once uploaded to S3. */
  s3Key?: string;
}

export function endOf(segment: RecordedSegment): number {
  return segment.start + segment.duration * 1000;
}
