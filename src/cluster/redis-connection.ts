import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ClusterConfig } from '../config/cluster-config.js';

/** Reconnect attempts back off to this; Redis being away is an outage to ride out, not a reason to stop. */
const MAX_RECONNECT_DELAY_MS = 2000;
/** A command Redis does not answer in this long has failed: the caller falls back at once. */
const COMMAND_TIMEOUT_MS = 1000;

/**
 * The daemon's one Redis connection. Commands fail at once while it is down
 * (no offline queue): a start must not wait on an outage, it falls back to
 * deciding locally, and says so.
 */
export function createRedisConnection(config: ClusterConfig, log: Logger): Redis {
  const redis = new Redis(config.redisUrl, {
    password: config.password,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: COMMAND_TIMEOUT_MS * 2,
    retryStrategy: (attempt) => Math.min(attempt * 200, MAX_RECONNECT_DELAY_MS),
  });
  let up = false;
  redis.on('ready', () => {
    if (!up) log.info('connected to Redis');
    up = true;
  });
  redis.on('error', (error: Error) => {
    if (up) log.warn({ err: error }, 'lost Redis; deciding starts locally until it is back');
    up = false;
  });
  return redis;
}
