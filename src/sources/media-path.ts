import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors/app-error.js';

/** A file: source that names something outside MEDIA_DIR, or nothing playable in it. Paths are echoed: they hold no secrets. */
export class MediaPathRefused extends AppError {
  constructor(readonly reason: string) {
    super('source_not_allowed', `file source refused: ${reason} (MEDIA_DIR)`);
  }
}

function inside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  if (relative === '' || path.isAbsolute(relative)) return false;
  return relative !== '..' && !relative.startsWith(`..${path.sep}`);
}

/**
 * The real path of a file: source, confined to MEDIA_DIR. The path as written
 * must stay inside (no `..` out, no absolute path elsewhere), and so must the
 * file it finally names once every symlink is followed: a link inside MEDIA_DIR
 * to /etc/passwd is as bad as writing /etc/passwd. FFmpeg then opens the real
 * path, so a link swapped afterwards is not followed either.
 */
export function createMediaConfiner(mediaDir: string) {
  const root = path.resolve(mediaDir);
  return async (written: string): Promise<string> => {
    const lexical = path.resolve(root, written);
    if (!inside(root, lexical)) throw new MediaPathRefused(`${written} lies outside ${root}`);
    const realRoot = await realpath(root).catch(() => {
      throw new MediaPathRefused(`the folder ${root} does not exist`);
    });
    const real = await realpath(lexical).catch(() => {
      throw new MediaPathRefused(`${written} does not exist in ${root}`);
    });
    if (!inside(realRoot, real)) throw new MediaPathRefused(`${written} is a symlink to a file outside ${root}`);
    const info = await stat(real);
    if (!info.isFile()) throw new MediaPathRefused(`${written} is not a regular file`);
    return real;
  };
}

export type MediaConfiner = ReturnType<typeof createMediaConfiner>;
