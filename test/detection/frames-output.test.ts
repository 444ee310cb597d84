import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildFramesArgs } from '../../src/detection/frames-args.js';
import { DetectionFramesOutput } from '../../src/detection/frames-output.js';
import { StreamSlot } from '../../src/detection/stream-slot.js';

function framesOutput(keyframesOnly: boolean) {
  const slot = new StreamSlot('cam');
  const offered: boolean[] = [];
  let closed = 0;
  const output = new DetectionFramesOutput({
    spec: { fps: 2, width: 4, height: 2 },
    keyframesOnly,
    slot,
    onFrame: (dropped) => offered.push(dropped),
    onClose: () => closed++,
  });
  return { slot, output, offered, closed: () => closed };
}

describe('DetectionFramesOutput', () => {
  it.each([
    [false, 'all'],
    [true, 'keyframes'],
  ] as const)('keyframesOnly=%s asks FFmpeg to decode %s', (keyframesOnly, decodes) => {
    expect(framesOutput(keyframesOnly).output).toMatchObject({ kind: 'detection', provesLiveness: false, usesPipe: true, decodes });
  });

  it('writes its frames to the pipe it was given', async () => {
    const { output } = framesOutput(false);
    const { args } = await output.prepare({ plan: { video: 'copy', audio: 'copy' }, restart: false, pipe: 'pipe:4' });
    expect(args).toEqual(buildFramesArgs({ fps: 2, width: 4, height: 2 }, 'pipe:4'));
  });

  it('cuts whole frames off the pipe into the slot, and tells the letterbox the camera size', async () => {
    const { slot, output, offered, closed } = framesOutput(false);
    const prepared = await output.prepare({ plan: { video: 'copy', audio: 'copy' }, restart: false, pipe: 'pipe:3' });
    const pipe = new PassThrough();
    prepared.open({ pipe, progress: () => {}, source: () => ({ video: { codec: 'h264', width: 1280, height: 720 } }) });
    const frame = 4 * 2 * 3;
    pipe.write(new Uint8Array(frame + 5)); // one frame and the start of the next
    pipe.write(new Uint8Array(frame - 5));
    await new Promise((resolve) => setImmediate(resolve));
    expect(offered).toEqual([false, true]); // the second replaced the first, still waiting
    expect(slot.readSourceSize()).toEqual({ codec: 'h264', width: 1280, height: 720 });
    expect(output.status()).toMatchObject({ frames_in: 2, dropped: 1 });
    output.close();
    expect(closed()).toBe(1);
  });
});
