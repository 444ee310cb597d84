import { AppError } from '../errors/app-error.js';

/** Why a source could not be read, named from what FFmpeg/ffprobe printed. */
export type FailureCause =
  | 'source_unauthorized'
  | 'source_forbidden'
  | 'source_not_found'
  | 'source_connection_refused'
  | 'source_unreachable'
  | 'source_timeout'
  | 'source_invalid_data'
  | 'ffmpeg_failed';

export interface Failure {
  cause: FailureCause;
  message: string;
}

const RULES: Array<[RegExp, FailureCause, string]> = [
  [/401 Unauthorized|Unauthorized/i, 'source_unauthorized', 'the camera rejected the credentials (401 Unauthorized)'],
  [/403 Forbidden/i, 'source_forbidden', 'the camera refused access (403 Forbidden)'],
  [/404 Not Found|Stream not found|454 Session Not Found/i, 'source_not_found', 'the camera has no stream at that path (404 Not Found)'],
  [/Connection refused/i, 'source_connection_refused', 'the camera refused the connection (nothing listens on that host and port)'],
  [
    /No route to host|Network is unreachable|Name or service not known|Temporary failure in name resolution|Failed to resolve|nodename nor servname/i,
    'source_unreachable',
    'the camera host cannot be reached or resolved',
  ],
  [/timed out|Connection timeout/i, 'source_timeout', 'the camera did not answer in time'],
  [/Invalid data found|could not find codec parameters|no video stream/i, 'source_invalid_data', 'the source sent no usable video'],
];

/** Picks the most specific cause found anywhere in the tail of stderr. */
export function classifyFailure(stderrLines: readonly string[]): Failure {
  const text = stderrLines.join('\n');
  for (const [pattern, cause, message] of RULES) {
    if (pattern.test(text)) return { cause, message };
  }
  const last = stderrLines.at(-1);
  return { cause: 'ffmpeg_failed', message: last ? `FFmpeg failed: ${last}` : 'FFmpeg exited without saying why' };
}

/** A source that could not be read; carries the cause and the tail of FFmpeg's own words. */
export class SourceFailure extends AppError {
  constructor(
    readonly failure: Failure,
    readonly stderr: string[] = [],
  ) {
    super(failure.cause, failure.message, { ffmpeg_output: stderr });
  }
}
