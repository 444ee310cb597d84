import { type MediaConfiner, MediaPathRefused } from '../sources/media-path.js';
import { type CameraEntry, CamerasFileError, type CamerasFileIssue } from './camera-file.js';

const FILE_SCHEME = /^file:/i;

/**
 * Confines every file: camera to MEDIA_DIR when CAMERAS_FILE is loaded, so that
 * a path outside it (`..`, absolute, a symlink out) fails the load, naming the
 * camera and the field, rather than its first start. Throws CamerasFileError.
 */
export async function checkMediaPaths(entries: ReadonlyMap<string, CameraEntry>, confine: MediaConfiner): Promise<void> {
  const issues: CamerasFileIssue[] = [];
  for (const [id, entry] of entries) {
    if (!FILE_SCHEME.test(entry.url)) continue;
    try {
      await confine(entry.url.slice('file:'.length));
    } catch (error) {
      if (!(error instanceof MediaPathRefused)) throw error;
      issues.push({ cameraId: id, field: 'url', message: error.message });
    }
  }
  if (issues.length > 0) throw new CamerasFileError(issues);
}
