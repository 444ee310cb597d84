import { redactText } from '../util/redact.js';

const MAX_LINE_LENGTH = 500;

/**
 * The last lines a child wrote to stderr, redacted as they arrive so that
 * credentials never sit in memory that ends up in status or errors.
 */
export class StderrTail {
  private readonly lines: string[] = [];

  constructor(private readonly capacity = 30) {}

  push(line: string): string {
    // Redact first: cutting first could leave "rtsp://user:pa…" with no '@' to recognise it by.
    const redacted = redactText(line);
    const clean = redacted.length > MAX_LINE_LENGTH ? `${redacted.slice(0, MAX_LINE_LENGTH)}…` : redacted;
    this.lines.push(clean);
    if (this.lines.length > this.capacity) this.lines.shift();
    return clean;
  }

  snapshot(): string[] {
    return [...this.lines];
  }
}
