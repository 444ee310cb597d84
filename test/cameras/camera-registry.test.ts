import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CamerasFileError } from '../../src/cameras/camera-file.js';
import { CameraRegistry, type RegistryChange } from '../../src/cameras/camera-registry.js';
import { createLogger } from '../../src/log/logger.js';
import { waitFor } from '../support/wait-for.js';

const SECRET = 'hunter2-s3cret';
const url = (host: string) => `rtsp://admin:${SECRET}@${host}:554/stream1`;

function fileText(cameras: Record<string, Record<string, unknown>>): string {
  return JSON.stringify({ cameras }, null, 2);
}

interface Captured {
  lines: string[];
  /** Parsed lines whose msg contains the text. */
  find(text: string): Array<Record<string, unknown>>;
}

function captureLogs(): { log: ReturnType<typeof createLogger>; captured: Captured } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  return {
    log: createLogger({ level: 'debug', destination: sink }),
    captured: {
      lines,
      find: (text) => lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => String(line.msg).includes(text)),
    },
  };
}

describe('CameraRegistry', () => {
  let dir: string;
  let file: string;
  const registries: CameraRegistry[] = [];

  async function open(log = captureLogs().log): Promise<CameraRegistry> {
    const registry = await CameraRegistry.open({ file, log });
    registries.push(registry);
    return registry;
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sm-cameras-'));
    file = path.join(dir, 'cameras.yaml');
    await writeFile(file, fileText({ a: { url: url('10.0.0.1') }, b: { url: url('10.0.0.2') }, c: { url: url('10.0.0.3') } }));
  });

  afterEach(async () => {
    for (const registry of registries.splice(0)) registry.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('opens a valid file, and refuses an unreadable or invalid one', async () => {
    const registry = await open();
    expect(registry.ids()).toEqual(['a', 'b', 'c']);
    expect(registry.get('b')).toEqual({ url: url('10.0.0.2') });
    expect(registry.get('nope')).toBeUndefined();

    const { log } = captureLogs();
    await expect(CameraRegistry.open({ file: path.join(dir, 'missing.yaml'), log })).rejects.toThrow(/cannot read .*missing\.yaml: ENOENT/);
    await writeFile(file, `cameras:\n  a:\n    url: ${url('10.0.0.1')}\n    detcet: true\n`);
    const error = await CameraRegistry.open({ file, log }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CamerasFileError);
    expect((error as Error).message).toMatch(/camera "a", field "detcet": unknown field/);
    expect((error as Error).message).not.toContain(SECRET);
    await writeFile(file, fileText({ a: { url: url('10.0.0.1') } }));
    await expect(CameraRegistry.open({ file, log, allowedSchemes: ['rtsps'] })).rejects.toThrow(/schemes: rtsps/);
  });

  it('reports added, removed and changed cameras on reload, and nothing for an identical file', async () => {
    const registry = await open();
    await writeFile(
      file,
      fileText({ a: { url: url('10.0.0.1') }, b: { url: url('10.0.0.2'), detect: true }, d: { url: url('10.0.0.4') } }),
    );
    expect(await registry.reload()).toEqual({ added: ['d'], removed: ['c'], changed: ['b'] });
    expect(registry.ids()).toEqual(['a', 'b', 'd']);
    expect(registry.get('b')).toEqual({ url: url('10.0.0.2'), detect: true });
    expect(await registry.reload()).toEqual({ added: [], removed: [], changed: [] });
  });

  it('reloads nothing once closed (a late SIGHUP during shutdown)', async () => {
    const registry = await open();
    const listener = vi.fn();
    registry.onChange(listener);
    registry.close();
    await writeFile(file, fileText({ z: { url: url('10.0.0.9') } }));
    expect(await registry.reload()).toBeUndefined();
    expect(registry.ids()).toEqual(['a', 'b', 'c']);
    expect(listener).not.toHaveBeenCalled();
  });

  it('keeps the previous cameras when the file turns invalid or disappears, and logs why without the secret', async () => {
    const { log, captured } = captureLogs();
    const registry = await open(log);
    await writeFile(file, `cameras:\n  a:\n    url: ftp://admin:${SECRET}@10.0.0.1/x\n`);
    expect(await registry.reload()).toBeUndefined();
    await rm(file);
    expect(await registry.reload()).toBeUndefined();
    expect(registry.ids()).toEqual(['a', 'b', 'c']);
    expect(registry.get('a')).toEqual({ url: url('10.0.0.1') });

    const warnings = captured.find('keeping the previous cameras');
    expect(warnings.map((line) => [line.level, line.component])).toEqual([
      [40, 'cameras'],
      [40, 'cameras'],
    ]);
    expect(String(warnings[0]!.reason)).toMatch(/camera "a", field "url": must use one of these schemes/);
    expect(warnings[1]!.reason).toBe('ENOENT');
    expect(captured.lines.join('\n')).not.toContain(SECRET);
  });

  it('calls listeners only for effective changes, and survives listeners that fail', async () => {
    const { log, captured } = captureLogs();
    const registry = await open(log);
    const seen: RegistryChange[] = [];
    registry.onChange(() => {
      throw new Error(`listener broke on ${url('10.9.9.9')}`);
    });
    registry.onChange(async () => Promise.reject(new Error('async listener broke')));
    registry.onChange((change) => {
      seen.push(change);
    });

    expect(await registry.reload()).toEqual({ added: [], removed: [], changed: [] });
    expect(seen).toEqual([]);
    await writeFile(file, fileText({ a: { url: url('10.0.0.1') } }));
    expect(await registry.reload()).toEqual({ added: [], removed: ['b', 'c'], changed: [] });
    expect(seen).toEqual([{ added: [], removed: ['b', 'c'], changed: [] }]);

    expect(captured.find('listener failed').map((line) => line.reason)).toEqual([
      'listener broke on rtsp://***@10.9.9.9:554/stream1',
      'async listener broke',
    ]);
    expect(captured.lines.join('\n')).not.toContain(SECRET);
  });

  it('runs reloads one at a time, with one more after a reload requested meanwhile', async () => {
    const registry = await open();
    let active = 0;
    let maxActive = 0;
    const calls: RegistryChange[] = [];
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    registry.onChange(async (change) => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      calls.push(change);
      if (calls.length === 1) await blocked;
      active -= 1;
    });

    await writeFile(file, fileText({ a: { url: url('10.0.0.1') } }));
    const first = registry.reload();
    await waitFor(() => calls.length === 1, { what: 'the first listener call' });
    // Written while the first reload is still inside its listener: only a later reload can see it.
    await writeFile(file, fileText({ z: { url: url('10.0.0.26') } }));
    const second = registry.reload();
    const third = registry.reload();
    expect(third).toBe(second);
    release();

    expect(await first).toEqual({ added: [], removed: ['b', 'c'], changed: [] });
    expect(await second).toEqual({ added: ['z'], removed: ['a'], changed: [] });
    expect(calls).toHaveLength(2);
    expect(maxActive).toBe(1);
    expect(registry.ids()).toEqual(['z']);
  });

  describe('watch', () => {
    it('picks up in-place writes, atomic replaces and a file that disappears for a while', async () => {
      const { log, captured } = captureLogs();
      const registry = await open(log);
      const seen: RegistryChange[] = [];
      registry.onChange((change) => {
        seen.push(change);
      });
      registry.watch();

      await writeFile(file, fileText({ a: { url: url('10.0.0.1') }, b: { url: url('10.0.0.2') } }));
      await waitFor(() => seen.length === 1, { timeoutMs: 5_000, what: 'the in-place write' });
      expect(seen[0]).toEqual({ added: [], removed: ['c'], changed: [] });

      const temporary = path.join(dir, '.cameras.yaml.tmp');
      await writeFile(temporary, fileText({ a: { url: url('10.0.0.1'), audio: true }, b: { url: url('10.0.0.2') } }));
      await rename(temporary, file);
      await waitFor(() => seen.length === 2, { timeoutMs: 5_000, what: 'the atomic replace' });
      expect(seen[1]).toEqual({ added: [], removed: [], changed: ['a'] });

      await rm(file);
      await waitFor(() => captured.find('keeping the previous cameras').length > 0, { timeoutMs: 5_000, what: 'the removal' });
      expect(registry.ids()).toEqual(['a', 'b']);
      await writeFile(file, fileText({ e: { url: url('10.0.0.5') } }));
      await waitFor(() => seen.length === 3, { timeoutMs: 5_000, what: 'the file to come back' });
      expect(seen[2]).toEqual({ added: ['e'], removed: ['a', 'b'], changed: [] });
    });

    it('does not call listeners when a write leaves the cameras as they were', async () => {
      const { log, captured } = captureLogs();
      const registry = await open(log);
      const listener = vi.fn();
      registry.onChange(listener);
      registry.watch();
      const unchanged = () => captured.find('nothing changed').length;

      // Same cameras, different text: the reload runs (the debug line proves it) and finds nothing to report.
      await writeFile(
        file,
        `cameras:\n  c: {url: "${url('10.0.0.3')}"}\n  b: {url: "${url('10.0.0.2')}"}\n  a: {url: "${url('10.0.0.1')}"}\n`,
      );
      await waitFor(() => unchanged() > 0, { timeoutMs: 5_000, what: 'the reload of an equivalent file' });
      expect(listener).not.toHaveBeenCalled();

      await writeFile(file, fileText({ a: { url: url('10.0.0.1') } }));
      await waitFor(() => listener.mock.calls.length > 0, { timeoutMs: 5_000, what: 'the change' });
      expect(listener).toHaveBeenCalledOnce();
      expect(listener).toHaveBeenCalledWith({ added: [], removed: ['b', 'c'], changed: [] });
    });

    it('follows a Kubernetes ConfigMap ..data symlink swap', async () => {
      const mount = path.join(dir, 'configmap');
      await mkdir(path.join(mount, '..2024_01'), { recursive: true });
      await writeFile(path.join(mount, '..2024_01', 'cameras.yaml'), fileText({ a: { url: url('10.0.0.1') } }));
      await symlink('..2024_01', path.join(mount, '..data'));
      await symlink('..data/cameras.yaml', path.join(mount, 'cameras.yaml'));
      file = path.join(mount, 'cameras.yaml');
      const registry = await open();
      const listener = vi.fn();
      registry.onChange(listener);
      registry.watch();

      // What the kubelet does: a new timestamped folder, then an atomic rename of the ..data link.
      await mkdir(path.join(mount, '..2024_02'));
      await writeFile(path.join(mount, '..2024_02', 'cameras.yaml'), fileText({ b: { url: url('10.0.0.2') } }));
      await symlink('..2024_02', path.join(mount, '..data_tmp'));
      await rename(path.join(mount, '..data_tmp'), path.join(mount, '..data'));
      await waitFor(() => listener.mock.calls.length > 0, { timeoutMs: 5_000, what: 'the symlink swap' });
      expect(listener).toHaveBeenCalledWith({ added: ['b'], removed: ['a'], changed: [] });
    });

    it('stops after close(), while another watcher on the same file still sees the change', async () => {
      const closed = await open();
      const witness = await open();
      const closedListener = vi.fn();
      const witnessListener = vi.fn();
      closed.onChange(closedListener);
      witness.onChange(witnessListener);
      closed.watch();
      witness.watch();
      const reloads = vi.spyOn(closed, 'reload');

      // Closing right after a write may catch a pending debounce; the second write tests the watcher itself.
      await writeFile(file, fileText({ a: { url: url('10.0.0.1') } }));
      closed.close();
      await waitFor(() => witnessListener.mock.calls.length === 1, { timeoutMs: 5_000, what: 'the witness to see the first change' });
      await writeFile(file, fileText({ b: { url: url('10.0.0.2') } }));
      // The witness proves the change was observable. Both watchers would have armed the same debounce on the same
      // event, the closed one first, so its reload would have begun before the witness's listener ran.
      await waitFor(() => witnessListener.mock.calls.length === 2, { timeoutMs: 5_000, what: 'the witness to see the second change' });
      expect(reloads).not.toHaveBeenCalled();
      expect(closedListener).not.toHaveBeenCalled();
      expect(closed.ids()).toEqual(['a', 'b', 'c']);
      expect(() => closed.watch()).toThrow(/closed/);
    });
  });
});
