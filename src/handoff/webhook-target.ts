import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { WebhookConfig } from '../config/archive-config.js';
import { contentTypeOf } from '../recording/layout.js';

/** What the receiver learns of each finished segment or snapshot. */
export interface SegmentNotice {
  camera: string;
  kind: 'segment' | 'snapshot';
  /** Relative to RECORD_DIR. */
  path: string;
  /** When the segment began, or when the snapshot was taken. */
  start: string;
  /** Seconds; 0 for a snapshot. */
  duration: number;
  size: number;
  s3_key?: string;
}

export interface WebhookTarget {
  send(notice: SegmentNotice, file: string): Promise<void>;
}

const TIMEOUT_MS = 30_000;

/** "sha256=<hex>" of the body, as receivers of GitHub-style webhooks check it. */
export function signature(secret: string, body: Uint8Array | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * POSTs each finished segment or snapshot to SEGMENT_WEBHOOK_URL: the JSON
 * notice (notify), or the file itself (MP4, JPEG) with the notice in a header (upload). The body
 * is signed with SEGMENT_WEBHOOK_SECRET in X-Signature-256. Anything but a
 * 2xx answer is a failure, retried by the queue.
 */
export function createWebhookTarget(config: WebhookConfig): WebhookTarget {
  return {
    async send(notice, file) {
      const json = JSON.stringify(notice);
      const body = config.mode === 'upload' ? await readFile(file) : json;
      const headers: Record<string, string> = {
        'content-type': config.mode === 'upload' ? contentTypeOf(file) : 'application/json',
        'user-agent': 'stream-manager',
      };
      if (config.mode === 'upload') headers['x-segment'] = json;
      if (config.secret) headers['x-signature-256'] = signature(config.secret, body);
      const response = await fetch(config.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`the segment webhook answered ${response.status}`);
    },
  };
}
