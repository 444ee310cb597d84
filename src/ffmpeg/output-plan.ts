import type { SourceInfo } from './source-info.js';

export type VideoPlan = 'copy' | 'transcode';
export type AudioPlan = 'copy' | 'transcode' | 'none';

export interface OutputPlan {
  video: VideoPlan;
  audio: AudioPlan;
}

export interface AudioPolicy {
  /** false drops audio altogether. */
  enabled: boolean;
  /** What to do with audio HLS cannot carry as-is: transcode to AAC, or drop it. */
  transcode: boolean;
}

/** H.264 and AAC are what every HLS player decodes, so those are remuxed untouched. */
export function planOutput(source: SourceInfo, audio: AudioPolicy): OutputPlan {
  return {
    video: source.video?.codec === 'h264' ? 'copy' : 'transcode',
    audio: planAudio(source, audio),
  };
}

function planAudio(source: SourceInfo, policy: AudioPolicy): AudioPlan {
  if (!policy.enabled || !source.audio) return 'none';
  if (source.audio.codec === 'aac') return 'copy';
  return policy.transcode ? 'transcode' : 'none';
}
