import { describe, expect, it } from 'vitest';
import { createPlaybackTokens, signPlaylist } from '../../src/security/playback-tokens.js';

const OLD = 'old-playback-secret-0123456789abcdef';
const NEW = 'new-playback-secret-fedcba9876543210';
const T0 = Date.parse('2026-11-21T12:00:00Z');

describe('playback tokens', () => {
  const at = (ms: number) => () => ms;

  it('are valid for their stream until they expire, then expired', () => {
    const issued = createPlaybackTokens({ secrets: [NEW], ttlSeconds: 60, now: at(T0) }).issue('cam-1');
    expect(issued.expiresAt.toISOString()).toBe('2026-11-21T12:01:00.000Z');
    expect(issued.token).toMatch(/^\d+\.[A-Za-z0-9_-]{43}$/);
    const later = (ms: number) => createPlaybackTokens({ secrets: [NEW], ttlSeconds: 60, now: at(T0 + ms) });
    expect(later(0).verify('cam-1', issued.token)).toEqual({ verdict: 'valid', secondsLeft: 60 });
    expect(later(59_500).verify('cam-1', issued.token)).toEqual({ verdict: 'valid', secondsLeft: 0 });
    expect(later(60_000).verify('cam-1', issued.token)).toEqual({ verdict: 'expired', secondsLeft: 0 });
  });

  it('are bound to one stream and cannot be altered', () => {
    const tokens = createPlaybackTokens({ secrets: [NEW], ttlSeconds: 60, now: at(T0) });
    const { token } = tokens.issue('cam-1');
    const [expiry, signature] = token.split('.') as [string, string];
    const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
    expect(tokens.verify('cam-2', token).verdict).toBe('invalid');
    // A later expiry with the old signature: the expiry is signed too.
    expect(tokens.verify('cam-1', `${Number(expiry) + 3600}.${signature}`).verdict).toBe('invalid');
    expect(tokens.verify('cam-1', `${expiry}.${flipped}`).verdict).toBe('invalid');
    for (const malformed of [
      undefined,
      '',
      token.slice(0, -1),
      `${token}A`,
      `x${token}`,
      `${expiry}`,
      `.${signature}`,
      token.replace('.', ':'),
    ]) {
      expect(tokens.verify('cam-1', malformed).verdict).toBe('invalid');
    }
  });

  it('rotate: signed with the first secret, accepted with any configured one', () => {
    const before = createPlaybackTokens({ secrets: [OLD], ttlSeconds: 60, now: at(T0) }).issue('cam').token;
    const during = createPlaybackTokens({ secrets: [NEW, OLD], ttlSeconds: 60, now: at(T0) });
    const after = createPlaybackTokens({ secrets: [NEW], ttlSeconds: 60, now: at(T0) });
    expect(during.verify('cam', before).verdict).toBe('valid');
    expect(after.verify('cam', before).verdict).toBe('invalid');
    expect(after.verify('cam', during.issue('cam').token).verdict).toBe('valid');
  });
});

describe('signPlaylist', () => {
  it('puts the token on every segment URI and leaves tags alone', () => {
    const playlist = [
      '#EXTM3U',
      '#EXT-X-MEDIA-SEQUENCE:7',
      '#EXTINF:1.000,',
      'stream7.ts',
      '#EXT-X-DISCONTINUITY',
      '#EXTINF:1.000,',
      'stream8.ts?x=1',
      '',
    ].join('\n');
    expect(signPlaylist(playlist, '123.abc-_')).toBe(
      [
        '#EXTM3U',
        '#EXT-X-MEDIA-SEQUENCE:7',
        '#EXTINF:1.000,',
        'stream7.ts?token=123.abc-_',
        '#EXT-X-DISCONTINUITY',
        '#EXTINF:1.000,',
        'stream8.ts?x=1&token=123.abc-_',
        '',
      ].join('\n'),
    );
  });

  it('puts it on the URI of parts, preload hints and init segments of a low-latency playlist too', () => {
    const playlist = [
      '#EXT-X-MAP:URI="init_7.mp4"',
      '#EXT-X-PART:DURATION=0.2,URI="part_70.m4s",INDEPENDENT=YES',
      '#EXTINF:1,',
      'seg_7.m4s',
      '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part_71.m4s"',
    ].join('\n');
    expect(signPlaylist(playlist, 't.1').split('\n')).toEqual([
      '#EXT-X-MAP:URI="init_7.mp4?token=t.1"',
      '#EXT-X-PART:DURATION=0.2,URI="part_70.m4s?token=t.1",INDEPENDENT=YES',
      '#EXTINF:1,',
      'seg_7.m4s?token=t.1',
      '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part_71.m4s?token=t.1"',
    ]);
  });
});
