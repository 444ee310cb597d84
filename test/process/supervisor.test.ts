import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExitInfo } from '../../src/process/child.js';
import {
  type RunControl,
  type RunEnd,
  type RunHandle,
  type RunOutcome,
  type StartFailure,
  Supervisor,
  type SupervisorOptions,
} from '../../src/process/supervisor.js';
import type { SupervisorState } from '../../src/process/supervisor-state.js';
import { waitFor } from '../support/wait-for.js';

/** A child that does only what the test tells it to. */
class FakeRun implements RunHandle<RunEnd> {
  readonly pid: number;
  stopped = false;
  readonly done: Promise<RunEnd>;
  private finish!: (exit: ExitInfo) => void;

  constructor(
    readonly control: RunControl,
    readonly restart: boolean,
    pid: number,
  ) {
    this.pid = pid;
    this.done = new Promise((resolve) => {
      this.finish = (exit) => resolve({ exit });
    });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.finish({ code: 255, signal: null, requested: true });
  }

  exit(code = 1): void {
    this.finish({ code, signal: null, requested: false });
  }

  crash(): void {
    this.finish({ code: null, signal: 'SIGKILL', requested: false });
  }
}

const supervisors: Array<Supervisor<RunEnd>> = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((supervisor) => supervisor.close()));
});

function setUp(options: Partial<SupervisorOptions<RunEnd>> = {}) {
  const runs: FakeRun[] = [];
  const states: SupervisorState[] = [];
  const delays: number[] = [];
  const outcomes: Array<RunOutcome<RunEnd>> = [];
  const failures: Array<StartFailure<RunEnd>> = [];
  const supervisor = new Supervisor<RunEnd>({
    spawn: async (control, attempt) => {
      const run = new FakeRun(control, attempt.restart, 1000 + runs.length);
      runs.push(run);
      return run;
    },
    spawnFailed: () => ({ exit: { code: null, signal: null, requested: false } }),
    startTimeoutMs: 5000,
    liveness: { firstProgressMs: 5000, stallMs: 5000 },
    backoff: { initialMs: 10, maxMs: 40, healthyMs: 250 },
    log: pino({ level: 'silent' }),
    listener: {
      state: (_from, to) => states.push(to),
      exited: (outcome) => outcomes.push(outcome),
      restarting: (delayMs) => delays.push(delayMs),
      startFailed: (failure) => void failures.push(failure),
    },
    ...options,
  });
  supervisors.push(supervisor);
  const run = (n: number) => waitFor(() => runs[n], { timeoutMs: 2000, what: `run ${n}` });
  return { supervisor, runs, states, delays, outcomes, failures, run };
}

describe('Supervisor', () => {
  it('backs off between runs that never got healthy, doubling up to the cap', async () => {
    const { supervisor, delays, run } = setUp();
    supervisor.start();
    (await run(0)).control.progress(); // healthy once, then every run fails at once
    await new Promise((resolve) => setTimeout(resolve, 300)); // long enough to count as healthy (healthyMs 250)
    (await run(0)).crash();
    for (let i = 1; i <= 5; i++) (await run(i)).exit();
    await run(6);
    expect(delays).toEqual([0, 10, 20, 40, 40, 40]);
    expect(supervisor.restarts).toBe(6);
    expect(supervisor.state).toBe('restarting');
  });

  it('restarts at once after a healthy run and starts the doubling over', async () => {
    const { supervisor, delays, run } = setUp();
    supervisor.start();
    (await run(0)).control.progress();
    (await run(0)).exit(); // not healthy for long enough: backs off
    await run(1);
    (await run(1)).exit();
    const third = await run(2);
    third.control.progress();
    await new Promise((resolve) => setTimeout(resolve, 300));
    third.crash(); // was healthy: straight back
    (await run(3)).exit();
    await run(4);
    expect(delays).toEqual([10, 20, 0, 10]);
    expect((await run(4)).restart).toBe(true);
  });

  it('fails the start when nothing proves itself alive within the start timeout, and stops the run', async () => {
    const { supervisor, runs, states, failures, run } = setUp({ startTimeoutMs: 100 });
    supervisor.start();
    await run(0);
    await waitFor(() => supervisor.state === 'failed', { what: 'the start to fail' });
    expect(runs[0]!.stopped).toBe(true);
    expect(runs).toHaveLength(1);
    expect(failures).toEqual([{ kind: 'timeout', last: expect.objectContaining({ reason: 'requested', progressed: false }) }]);
    expect(states).toEqual(['failed']);
  });

  it('fails the start when the first run exits before it is healthy, without retrying', async () => {
    const { supervisor, runs, failures, run } = setUp();
    supervisor.start();
    (await run(0)).exit(1);
    await waitFor(() => supervisor.state === 'failed', { what: 'the start to fail' });
    expect(runs).toHaveLength(1);
    expect(failures).toEqual([{ kind: 'exited', outcome: expect.objectContaining({ reason: 'exited' }) }]);
  });

  it('stops a run whose progress stops (liveness) and restarts it', async () => {
    const { supervisor, outcomes, run } = setUp({ liveness: { firstProgressMs: 5000, stallMs: 80 } });
    supervisor.start();
    const first = await run(0);
    first.control.progress();
    expect(supervisor.state).toBe('running');
    await run(1);
    expect(first.stopped).toBe(true);
    expect(outcomes[0]).toMatchObject({ reason: 'stalled', progressed: true });
    expect(supervisor.state).toBe('restarting');
  });

  it('replaces a run that asks to be replanned at once, without counting a failure', async () => {
    const { supervisor, runs, delays, states, run } = setUp();
    supervisor.start();
    (await run(0)).control.replan();
    const second = await run(1);
    expect(runs[0]!.stopped).toBe(true);
    expect(second.restart).toBe(false); // still the first start
    second.control.progress();
    expect(supervisor.state).toBe('running');
    expect(states).toEqual(['running']);
    expect(delays).toEqual([]);
    expect(supervisor.restarts).toBe(0);
  });

  it('ignores progress reported while a run is being stopped (a last flush is no sign of life)', async () => {
    const { supervisor, run } = setUp({ startTimeoutMs: 100 });
    supervisor.start();
    const first = await run(0);
    await waitFor(() => first.stopped, { what: 'the timeout to stop the run' });
    first.control.progress();
    await waitFor(() => supervisor.state === 'failed', { what: 'the start to fail' });
  });

  it('close during the start stops the run and reports no failure', async () => {
    const { supervisor, runs, failures, states, run } = setUp();
    supervisor.start();
    await run(0);
    await supervisor.close();
    expect(runs[0]!.stopped).toBe(true);
    expect(failures).toEqual([]);
    expect(states).toEqual(['stopped']);
    expect(runs).toHaveLength(1);
  });

  it('close during the backoff ends the wait at once and starts nothing more', async () => {
    const { supervisor, runs, delays, run } = setUp({ backoff: { initialMs: 60_000, maxMs: 60_000, healthyMs: 60_000 } });
    supervisor.start();
    (await run(0)).control.progress();
    (await run(0)).exit();
    await waitFor(() => delays.length === 1, { what: 'a restart to be scheduled' });
    const closing = Date.now();
    await supervisor.close();
    expect(Date.now() - closing).toBeLessThan(1000);
    expect(runs).toHaveLength(1);
    expect(supervisor.state).toBe('stopped');
  });

  it('turns a spawn that throws into a failed run', async () => {
    const { supervisor, failures } = setUp({
      spawn: async () => {
        throw new Error('ENOENT');
      },
      spawnFailed: () => ({ exit: { code: 127, signal: null, requested: false } }),
    });
    supervisor.start();
    await waitFor(() => supervisor.state === 'failed', { what: 'the start to fail' });
    expect(failures).toEqual([
      { kind: 'exited', outcome: expect.objectContaining({ end: { exit: { code: 127, signal: null, requested: false } } }) },
    ]);
  });

  it('applies a caller-given floor to the delay (rejected credentials are retried slowly)', async () => {
    const { supervisor, delays, run } = setUp({ minDelayMs: (outcome) => (outcome.end.exit.code === 401 ? 30_000 : 0) });
    supervisor.start();
    (await run(0)).control.progress();
    (await run(0)).exit(401);
    await waitFor(() => delays.length === 1, { what: 'a restart to be scheduled' });
    expect(delays).toEqual([30_000]);
  });
});
