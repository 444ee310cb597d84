import { describe, expect, it } from 'vitest';
import { type AudioPolicy, planOutput } from '../../src/ffmpeg/output-plan.js';
import type { SourceInfo } from '../../src/ffmpeg/source-info.js';

const on: AudioPolicy = { enabled: true, transcode: true };
const dropOdd: AudioPolicy = { enabled: true, transcode: false };
const off: AudioPolicy = { enabled: false, transcode: true };

describe('planOutput', () => {
  it.each<[string, SourceInfo, AudioPolicy, ReturnType<typeof planOutput>]>([
    ['h264 alone', { video: { codec: 'h264' } }, on, { video: 'copy', audio: 'none' }],
    ['h264 + aac', { video: { codec: 'h264' }, audio: { codec: 'aac' } }, on, { video: 'copy', audio: 'copy' }],
    ['h264 + pcm_mulaw, transcode', { video: { codec: 'h264' }, audio: { codec: 'pcm_mulaw' } }, on, { video: 'copy', audio: 'transcode' }],
    ['h264 + pcm_mulaw, drop', { video: { codec: 'h264' }, audio: { codec: 'pcm_mulaw' } }, dropOdd, { video: 'copy', audio: 'none' }],
    ['h264 + aac, audio off', { video: { codec: 'h264' }, audio: { codec: 'aac' } }, off, { video: 'copy', audio: 'none' }],
    ['hevc', { video: { codec: 'hevc' } }, on, { video: 'transcode', audio: 'none' }],
    ['mjpeg + aac', { video: { codec: 'mjpeg' }, audio: { codec: 'aac' } }, dropOdd, { video: 'transcode', audio: 'copy' }],
  ])('%s', (_name, source, policy, expected) => {
    expect(planOutput(source, policy)).toEqual(expected);
  });
});
