import { readFileSync } from 'node:fs';

const TEMPLATE = new URL('../../deploy/nginx.conf.template', import.meta.url);

export interface NginxConfOptions {
  /** Where the daemon writes HLS (its STREAM_DIR, as Nginx sees it). */
  streamDir?: string;
  /** host:port of the daemon. */
  daemon?: string;
  /** What Nginx listens on: a port, or address:port. */
  listen?: string;
  /** Puts the pid file, error log and temp files in one folder, to run Nginx from a test or unprivileged. */
  runtimeDir?: string;
}

/**
 * deploy/nginx.conf.template with its placeholders filled in. The defaults are
 * the docker-compose.yml layout; that rendering is the nginx.conf at the root.
 */
export function renderNginxConf({
  streamDir = '/var/lib/stream-manager/streams',
  daemon = 'stream-manager:8088',
  listen = '80',
  runtimeDir,
}: NginxConfOptions = {}): string {
  const values: Record<string, string> = {
    STREAM_DIR: streamDir.replace(/\/+$/, ''),
    DAEMON: daemon,
    LISTEN: listen,
    MIME_TYPES: '/etc/nginx/mime.types',
    PID_FILE: runtimeDir ? `${runtimeDir}/nginx.pid` : '/run/nginx.pid',
    ERROR_LOG: runtimeDir ? `${runtimeDir}/error.log` : '/var/log/nginx/error.log',
    AUTH_CACHE: runtimeDir ? `${runtimeDir}/auth-cache` : '/var/cache/nginx/stream-manager-auth',
    MEDIA_CACHE: runtimeDir ? `${runtimeDir}/media-cache` : '/var/cache/nginx/stream-manager-media',
  };
  for (const [key, value] of Object.entries(values)) {
    // Each value lands inside a directive: nothing in it may end or open one.
    if (!value || /[\s;{}"'$]/.test(value)) throw new Error(`${key} must be a plain path or address, got ${JSON.stringify(value)}`);
  }
  values.TEMP_PATHS = runtimeDir
    ? `${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${runtimeDir}/${kind};`).join('\n')}\n`
    : '';
  return readFileSync(TEMPLATE, 'utf8').replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`unknown placeholder ${key}`);
    return value;
  });
}
