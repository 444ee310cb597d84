import type { Logger } from 'pino';

/** A long-lived part of the daemon: started once, closed once. */
export interface Component {
  start?(): void | Promise<void>;
  close(): void | Promise<void>;
}

/**
 * The daemon's components in order of creation. They start in that order and
 * close in the reverse, so that nothing is closed while something created
 * after it (and so possibly using it) still runs. A component that fails to
 * close is logged; the rest still close.
 */
export class Lifecycle {
  readonly #components: Array<{ name: string; component: Component }> = [];
  #closing: Promise<void> | undefined;

  constructor(private readonly log: Logger) {}

  add<T extends Component>(name: string, component: T): T {
    this.#components.push({ name, component });
    return component;
  }

  async start(): Promise<void> {
    for (const { component } of this.#components) await component.start?.();
  }

  /** Idempotent: a second call waits for the first. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const { name, component } of [...this.#components].reverse()) {
        try {
          await component.close();
        } catch (error) {
          this.log.error({ err: error, component: name }, 'component failed to close');
        }
      }
    })();
    return this.#closing;
  }
}
