// m3u8-parser (video.js) ships no types; the tests use it only to read playlists back.
declare module 'm3u8-parser' {
  export interface Manifest {
    segments: Array<{ uri: string; duration: number; parts?: Array<{ uri: string; duration: number }> }>;
    preloadSegment: { parts?: Array<{ uri: string }>; preloadHints?: Array<{ type: string; uri: string }> };
    serverControl: Record<string, unknown>;
    discontinuityStarts: number[];
  }
  export class Parser {
    manifest: Manifest;
    on(event: 'warn' | 'info', listener: (message: { message: string }) => void): void;
    push(text: string): void;
    end(): void;
  }
}
