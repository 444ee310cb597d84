import type { OutputPlan } from './output-plan.js';

export interface EncodeSettings {
  plan: OutputPlan;
  /** libx264 preset, when the plan transcodes. */
  transcodePreset: string;
  /** Keyframe spacing when transcoding: outputs cut segments on keyframes. */
  keyframeSeconds: number;
}

/** The streams an output carries and how they are encoded: shared by every output that writes media. */
export function mediaArgs({ plan, transcodePreset, keyframeSeconds }: EncodeSettings): string[] {
  return [
    '-map',
    '0:v:0',
    // '?': the first attempt copies audio "if there is any", before the codecs are known.
    ...(plan.audio === 'none' ? [] : ['-map', '0:a:0?']),
    ...videoArgs(plan, transcodePreset, keyframeSeconds),
    ...audioArgs(plan),
  ];
}

function videoArgs(plan: OutputPlan, transcodePreset: string, keyframeSeconds: number): string[] {
  if (plan.video === 'copy') return ['-c:v', 'copy'];
  return [
    '-c:v',
    'libx264',
    '-preset',
    transcodePreset,
    '-tune',
    'zerolatency',
    '-pix_fmt',
    'yuv420p',
    // Keep the camera's own timestamps: with the quick probe the input rate is
    // unknown, and a guessed constant rate makes FFmpeg duplicate frames by the thousand.
    '-fps_mode',
    'passthrough',
    // A keyframe on every segment boundary; libx264's default GOP (250 frames)
    // would make 10 s segments and a 10 s wait for the first playlist.
    '-force_key_frames',
    `expr:gte(t,n_forced*${keyframeSeconds})`,
    '-sc_threshold',
    '0',
  ];
}

function audioArgs(plan: OutputPlan): string[] {
  switch (plan.audio) {
    case 'copy':
      return ['-c:a', 'copy'];
    case 'transcode':
      return ['-c:a', 'aac', '-b:a', '128k'];
    case 'none':
      return ['-an'];
  }
}
