import type { Publication } from './topics.js';

/**
 * What waits while the broker is away: first in, first out, at most `max`;
 * past it the oldest is dropped and counted. A retained topic keeps only its
 * newest message (the broker would keep only that one anyway).
 */
export class Outbox {
  readonly #items: Publication[] = [];
  dropped = 0;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.#items.length;
  }

  push(publication: Publication): void {
    if (publication.retain) {
      const stale = this.#items.findIndex((item) => item.retain && item.topic === publication.topic);
      if (stale !== -1) this.#items.splice(stale, 1);
    }
    this.#items.push(publication);
    while (this.#items.length > this.max) {
      this.#items.shift();
      this.dropped += 1;
    }
  }

  /** Everything waiting, in order; the outbox is empty after. */
  take(): Publication[] {
    return this.#items.splice(0);
  }
}
