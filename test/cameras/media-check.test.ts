import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CameraRegistry } from '../../src/cameras/camera-registry.js';
import { createMediaConfiner } from '../../src/sources/media-path.js';

let dir: string;
let media: string;
let file: string;
const log = pino({ level: 'silent' });

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sm-media-'));
  media = path.join(dir, 'media');
  await mkdir(path.join(media, 'presets'), { recursive: true });
  await writeFile(path.join(media, 'TextileFactory.mp4'), 'not really a video');
  await writeFile(path.join(media, 'presets', 'yard.mp4'), 'not really a video');
  await writeFile(path.join(dir, 'outside.mp4'), 'outside');
  file = path.join(dir, 'cameras.yml');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const open = async (url: string) => {
  await writeFile(file, `cameras:\n  ok:\n    url: file:TextileFactory.mp4\n  bad:\n    url: "${url}"\n`);
  return CameraRegistry.open({ file, log, confineMedia: createMediaConfiner(media) });
};

describe('file: cameras at the load of CAMERAS_FILE', () => {
  it('accepts paths inside MEDIA_DIR: relative, in a subfolder, absolute inside, and a symlink that stays inside', async () => {
    await symlink(path.join(media, 'TextileFactory.mp4'), path.join(media, 'alias.mp4'));
    for (const url of [
      'file:presets/yard.mp4',
      `file:${path.join(media, 'presets', 'yard.mp4')}`,
      'file:alias.mp4',
      'file:presets/../TextileFactory.mp4',
    ]) {
      const registry = await open(url);
      expect(registry.ids()).toEqual(['bad', 'ok']);
      registry.close();
    }
  });

  it.each([
    [
      'a climb out with ..',
      'file:../outside.mp4',
      /camera "bad", field "url": file source refused: \.\.\/outside\.mp4 lies outside .*media/,
    ],
    ['a deeper climb', 'file:presets/../../outside.mp4', /camera "bad", field "url": .*lies outside/],
    ['an absolute path elsewhere', 'file:/etc/passwd', /camera "bad", field "url": file source refused: \/etc\/passwd lies outside/],
    ['a missing file', 'file:nothing.mp4', /camera "bad", field "url": file source refused: nothing\.mp4 does not exist/],
    ['a folder', 'file:presets', /camera "bad", field "url": .*not a regular file/],
  ])('refuses %s', async (_name, url, message) => {
    await expect(open(url)).rejects.toThrow(message);
  });

  it('refuses a symlink that points out of MEDIA_DIR, to a file or through a folder', async () => {
    await symlink(path.join(dir, 'outside.mp4'), path.join(media, 'link.mp4'));
    await symlink(dir, path.join(media, 'up'));
    await expect(open('file:link.mp4')).rejects.toThrow(
      /camera "bad", field "url": file source refused: link\.mp4 is a symlink to a file outside/,
    );
    await expect(open('file:up/outside.mp4')).rejects.toThrow(/camera "bad", field "url": .*symlink to a file outside/);
  });

  it('keeps the previous cameras when a reload names a file outside', async () => {
    const registry = await open('file:presets/yard.mp4');
    await writeFile(file, 'cameras:\n  evil:\n    url: file:../outside.mp4\n');
    expect(await registry.reload()).toBeUndefined();
    expect(registry.ids()).toEqual(['bad', 'ok']);
    registry.close();
  });
});
