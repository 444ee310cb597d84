import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

describe('cluster configuration', () => {
  it('is absent without REDIS_URL: a daemon of its own', () => {
    expect(loadConfig({}).cluster).toBeUndefined();
  });

  it('takes the password out of the URL (so that it can be logged) and defaults the node to the host', () => {
    const { cluster } = loadConfig({ REDIS_URL: 'redis://:s3cret@redis.internal:6379/2', PORT: '9000' });
    expect(cluster).toEqual({
      redisUrl: 'redis://redis.internal:6379/2',
      password: 's3cret',
      keyPrefix: 'stream-manager:',
      nodeId: os.hostname(),
      nodeUrl: `http://${os.hostname()}:9000`,
      leaseTtlMs: 5000,
    });
  });

  it('refuses what cannot work', () => {
    expect(() => loadConfig({ REDIS_URL: 'http://redis:6379' })).toThrow(ConfigError);
    expect(() => loadConfig({ REDIS_URL: 'redis://r', NODE_ID: 'a b' })).toThrow(/NODE_ID/);
    expect(() => loadConfig({ REDIS_URL: 'redis://r', LEASE_TTL_SECONDS: '0.5' })).toThrow(/LEASE_TTL_SECONDS/);
  });
});
