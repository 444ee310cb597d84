import type { Readable } from 'node:stream';
import { execa } from 'execa';
import { endOf, type RecordedSegment } from './segment.js';

export interface ClipPiece {
  file: string;
  segment: RecordedSegment;
}

/**
 * The concat demuxer's script for [from, to): each file with the part of it
 * that falls in the range (inpoint/outpoint, in seconds from the file's start).
 * Pure. Paths are quoted the way the demuxer unquotes them.
 */
export function concatScript(pieces: readonly ClipPiece[], from: number, to: number): string {
  const lines = ['ffconcat version 1.0'];
  for (const { file, segment } of pieces) {
    // file: — relative to a script read from pipe:0, a bare path would be taken for pipe:<path>.
    lines.push(`file 'file:${file.replaceAll("'", "'\\''")}'`);
    const inpoint = (from - segment.start) / 1000;
    const outpoint = (to - segment.start) / 1000;
    if (inpoint > 0) lines.push(`inpoint ${inpoint.toFixed(3)}`);
    if (to < endOf(segment)) lines.push(`outpoint ${outpoint.toFixed(3)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** FFmpeg's arguments for a clip read from a concat script on stdin: remuxed, fragmented, on stdout. Pure. */
export function clipArgs(): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'concat',
    '-safe',
    '0',
    // The script names local files only; nothing else may be opened through it.
    '-protocol_whitelist',
    'file,pipe',
    '-i',
    'pipe:0',
    '-map',
    '0',
    '-c',
    'copy',
    '-f',
    'mp4',
    // Fragmented: the first bytes go out before the last segment is read.
    '-movflags',
    'frag_keyframe+empty_moov+default_base_moof',
    'pipe:1',
  ];
}

/** Runs FFmpeg for one clip; the stream ends when FFmpeg does, and aborting kills it. */
export function streamClip(ffmpegPath: string, script: string, signal: AbortSignal): Readable {
  const child = execa(ffmpegPath, clipArgs(), { input: script, buffer: false, stderr: 'ignore', cancelSignal: signal, reject: false });
  return child.stdout;
}
