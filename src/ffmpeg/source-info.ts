/** What probing a source tells us; all fields optional because cameras omit things. */
export interface SourceInfo {
  video?: { codec: string; width?: number; height?: number; fps?: number };
  audio?: { codec: string; sampleRate?: number; channels?: number };
}

/** Where FFmpeg reads from. `lavfi` is only ever built from configuration (the demo camera). */
export type Input = { kind: 'rtsp'; url: string; transport: 'tcp' | 'udp' } | { kind: 'lavfi'; graph: string };
