import { readFileSync } from 'node:fs';

const TEMPLATE = new URL('../../deploy/nginx.conf.template', import.meta.url);

export interface NginxConfOptions {
  /** Where the daemon writes HLS (its STREAM_DIR, as Nginx sees it). */
  streamDir?: string;
  /**
   * host:port of the daemon, or several, comma-separated: a fleet sharing one Redis. Nginx then
   * picks a stream's node by consistent hashing of its id, and fetches segments from the nodes
   * (their disks are not Nginx's).
   */
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
  const daemons = daemon.split(',').map((address) => address.trim());
  const values: Record<string, string> = {
    STREAM_DIR: streamDir.replace(/\/+$/, ''),
    ...Object.fromEntries(daemons.map((address, i) => [`DAEMON_${i}`, address])),
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
  const fleet = daemons.length > 1;
  values.UPSTREAM = [
    // Ketama: a node joining or leaving moves about 1/n of the streams, not all of them.
    ...(fleet ? ['hash $stream_key consistent;'] : []),
    ...daemons.map((address) => `server ${address};`),
  ].join('\n    ');
  values.SEGMENT_SOURCE = (
    fleet
      ? // Each node's segments are on its own disk: fetched through the node (after the token check),
        // once for every viewer asking at the same moment.
        [
          'proxy_pass http://stream_manager;',
          'proxy_http_version 1.1;',
          'proxy_set_header Connection "";',
          'proxy_set_header Host $host;',
          'proxy_read_timeout 120s;',
          'proxy_hide_header Cache-Control;',
          'proxy_cache hls_media;',
          'proxy_cache_key $uri;',
          'proxy_cache_valid 200 1m;',
          'proxy_cache_lock on;',
          'proxy_cache_lock_timeout 10s;',
          'proxy_cache_lock_age 10s;',
        ]
      : [`alias ${values.STREAM_DIR}/$stream_id/$segment;`, 'error_page 404 = @media_from_daemon;']
  ).join('\n      ');
  values.TEMP_PATHS = runtimeDir
    ? `${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${runtimeDir}/${kind};`).join('\n')}\n`
    : '';
  return readFileSync(TEMPLATE, 'utf8').replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`unknown placeholder ${key}`);
    return value;
  });
}
