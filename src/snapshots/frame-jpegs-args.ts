import { samplingSelect } from '../detection/frames-args.js';
import { jpegPipeArgs } from './jpeg-pipe-args.js';

/**
 * Full-size JPEGs of the very frames the detector samples (its select
 * expression, over the same decoded frames), so that an event's picture is
 * the frame its box was found in. Pure.
 */
export function buildFrameJpegsArgs(fps: number, pipe: string): string[] {
  return jpegPipeArgs(samplingSelect(fps), pipe);
}
