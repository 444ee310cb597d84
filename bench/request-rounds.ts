import { execFileSync, spawnSync } from 'node:child_process';
import autocannon from 'autocannon';

export interface Variant {
  title: string;
  url: string;
}

export interface VariantResult {
  title: string;
  /** 2xx answers per second over all rounds. */
  rate: number;
  /** Medians of the rounds' percentiles, ms. */
  p50: number;
  p99: number;
  /** Non-2xx answers, errors and timeouts over all rounds. */
  failures: number;
}

interface Tally {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  failures: number;
}

export interface RoundsOptions {
  rounds: number;
  seconds: number;
  connections: number;
  headers?: Record<string, string>;
}

/** autocannon: keep-alive connections, one request in flight on each. */
async function hammer(url: string, seconds: number, { connections, headers = {} }: RoundsOptions): Promise<Tally> {
  const result = await autocannon({ url, connections, duration: seconds, headers });
  return {
    requests: result['2xx'],
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}

/**
 * Every variant in turn, round after round, after one short unmeasured round of each (caches,
 * JIT and connection pools warm up alike): the machine's noise falls on all of them alike.
 */
export async function interleavedRounds(variants: readonly Variant[], options: RoundsOptions): Promise<VariantResult[]> {
  for (const variant of variants) await hammer(variant.url, 1, options);
  const tallies = variants.map(() => [] as Tally[]);
  for (let round = 0; round < options.rounds; round++) {
    for (const [i, variant] of variants.entries()) {
      console.error(`round ${round + 1}/${options.rounds}: ${variant.title}`);
      tallies[i]!.push(await hammer(variant.url, options.seconds, options));
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return variants.map((variant, i) => {
    const all = tallies[i]!;
    return {
      title: variant.title,
      rate: all.reduce((sum, t) => sum + t.requests, 0) / all.reduce((sum, t) => sum + t.seconds, 0),
      p50: median(all.map((t) => t.p50)),
      p99: median(all.map((t) => t.p99)),
      failures: all.reduce((sum, t) => sum + t.failures, 0),
    };
  });
}

/** The line under a result's title: when, and on what. */
export function machineLine(): string {
  const nginx = spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr.trim().replace('nginx version: ', '');
  return `Date: ${new Date().toISOString()} · Node ${process.version} · ${nginx} · nproc ${execFileSync('nproc', { encoding: 'utf8' }).trim()}`;
}
