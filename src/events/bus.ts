import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';

/**
 * A typed, synchronous publish/subscribe hub. Emitters never learn who listens,
 * and a listener that throws is logged: it can neither break the emitter nor
 * keep the other listeners from hearing the event.
 */
export class EventBus<Events extends object> {
  readonly #emitter = new EventEmitter();

  constructor(private readonly log: Pick<Logger, 'error'>) {
    this.#emitter.setMaxListeners(0);
  }

  /** Calls `listener` for every `type` event; returns the unsubscribe. */
  on<K extends keyof Events & string>(type: K, listener: (event: Events[K]) => void): () => void {
    const guarded = (event: Events[K]) => {
      try {
        listener(event);
      } catch (error) {
        this.log.error({ err: error, event: type }, 'event listener failed');
      }
    };
    this.#emitter.on(type, guarded);
    return () => this.#emitter.off(type, guarded);
  }

  emit<K extends keyof Events & string>(type: K, event: Events[K]): void {
    this.#emitter.emit(type, event);
  }
}
