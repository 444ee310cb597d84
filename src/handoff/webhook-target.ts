import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { WebhookConfig } from '../config/archive-config.js';

/** What the receiver learns of each finished segment. */
export interface SegmentNotice {
  camera: string;
  /** Relative to RECORD_DIR. */
  path: string;
  start: string;
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
 * POSTs each finished segment to SEGMENT_WEBHOOK_URL: the JSON notice
 * (notify), or the MP4 itself with the notice in a header (upload). The body
 * is signed with SEGMENT_WEBHOOK_SECRET in X-Signature-256. Anything but a
 * 2xx answer is a failure, retried by the queue.
 */
export function createWebhookTarget(config: WebhookConfig): WebhookTarget {
  return {
    async send(notice, file) {
      const json = JSON.stringify(notice);
      const body = config.mode === 'upload' ? await readFile(file) : json;
      const headers: Record<string, string> = {
        'content-type': config.mode === 'upload' ? 'video/mp4' : 'application/json',
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
