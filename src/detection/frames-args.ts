export interface FramesSpec {
  fps: number;
  /** The model's input size; frames are letterboxed into it. */
  width: number;
  height: number;
}

/**
 * The detector's output of the FFmpeg command: at most `fps` frames a second
 * (select, unlike fps=, never duplicates frames when keyframes come slower),
 * scaled into the model's input with the aspect ratio kept (black bars), as
 * packed RGB on `pipe`. Pure.
 */
export function buildFramesArgs({ fps, width, height }: FramesSpec, pipe: string): string[] {
  const filters = [
    `select='${samplingSelect(fps)}'`,
    `scale=${width}:${height}:force_original_aspect_ratio=decrease:force_divisible_by=2`,
    `pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2`,
    'format=rgb24',
  ];
  return ['-map', '0:v:0', '-an', '-vf', filters.join(','), '-fps_mode', 'passthrough', '-f', 'rawvideo', pipe];
}

/**
 * The select expression that samples at most `fps` frames a second. Every output that must see
 * the detector's very frames uses this one: the same expression over the same decoded frames
 * picks the same ones.
 */
export function samplingSelect(fps: number): string {
  // 5 ms short of the interval, for RTP timestamp jitter: 1 s keyframes measured
  // 0.999 s apart would otherwise be skipped every other time.
  const interval = Number((1 / fps - 0.005).toFixed(4));
  return `isnan(prev_selected_t)+gte(t-prev_selected_t,${interval})`;
}
