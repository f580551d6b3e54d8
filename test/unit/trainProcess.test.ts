import { existsSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TrainingError } from '../../src/core/training/errors';
import { LineReader } from '../../src/core/training/lineReader';
import { parseTrainEvent, type TrainEvent } from '../../src/core/training/trainEvents';
import { TrainProcess, trainCommandArgs } from '../../src/core/training/trainProcess';
import { tmpDir } from '../fixtures/hostile/helpers';

const FAKE_ROOT = path.join(__dirname, '../fixtures/training/fake');
const MODEL = path.join(__dirname, '../fixtures/models/tiny-grey-lstm-snake-final.onnx');

function manifest(dir: string): string {
  const file = path.join(dir, 'manifest.json');
  writeFileSync(file, JSON.stringify({ root: dir, classes: ['cat', 'dog'], items: [{ path: 'cat/1.jpg', label: 'cat' }] }));
  return file;
}

function start(mode: string, extra: { killGraceMs?: number; events?: TrainEvent[]; logs?: string[] } = {}) {
  const dir = tmpDir('rl-tp-');
  const proc = new TrainProcess({
    python: 'python3',
    trainingRoot: FAKE_ROOT,
    args: { manifestFile: manifest(dir), out: path.join(dir, 'out.onnx'), from: 'none', epochs: 2, checkpointDir: path.join(dir, 'ckpt') },
    env: { FAKE_TRAIN_MODE: mode, FAKE_TRAIN_MODEL: MODEL },
    onEvent: (e) => extra.events?.push(e),
    onLog: (l) => extra.logs?.push(l),
    killGraceMs: extra.killGraceMs,
  });
  return { dir, proc };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function firstEpoch(events: TrainEvent[]): Promise<void> {
  for (let i = 0; i < 200 && !events.some((e) => e.event === 'epoch'); i++) await new Promise((r) => setTimeout(r, 25));
}

describe('trainCommandArgs', () => {
  it('passes only the options given, in the trainer’s spelling', () => {
    expect(trainCommandArgs({ manifestFile: 'm.json', out: 'o.onnx', from: 'none' })).toEqual(['-m', 'rcnn_lens_train.folder_train', '--manifest', 'm.json', '--out', 'o.onnx', '--from', 'none']);
    const all = trainCommandArgs({ manifestFile: 'm', out: 'o', from: 'f.onnx', epochs: 3, minutes: 1.5, freezeCnn: false, checkpointDir: 'c', resume: true, threads: 2 });
    expect(all.slice(8)).toEqual(['--epochs', '3', '--minutes', '1.5', '--no-freeze-cnn', '--checkpoint-dir', 'c', '--resume', '--threads', '2']);
    expect(trainCommandArgs({ manifestFile: 'm', out: 'o', from: 'none', freezeCnn: true })).toContain('--freeze-cnn');
  });
});

describe('parseTrainEvent', () => {
  it('accepts the protocol’s events and refuses malformed ones', () => {
    expect(parseTrainEvent('{"event":"epoch","epoch":1,"epochs":2,"loss":0.5,"val_acc":0.9,"eta_s":3}')).toEqual({ event: 'epoch', epoch: 1, epochs: 2, loss: 0.5, val_acc: 0.9, eta_s: 3 });
    expect(parseTrainEvent('{"event":"epoch","epoch":"1","epochs":2,"loss":0.5,"val_acc":0.9}')).toBeUndefined();
    expect(parseTrainEvent('{"event":"done","model":"m.onnx","labels":["a",1]}')).toBeUndefined();
    expect(parseTrainEvent('{"event":"done","model":"m.onnx","labels":["a"],"confusion":"x"}')).toMatchObject({ confusion: [], card: {} });
    expect(parseTrainEvent('{"event":"error"}')).toEqual({ event: 'error', code: 'python_failed', message: 'training failed', details: {} });
    expect(parseTrainEvent('not json')).toBeUndefined();
    expect(parseTrainEvent('[1]')).toBeUndefined();
  });
});

describe('LineReader', () => {
  it('joins chunks into lines and drops an over-long line without holding it', () => {
    const lines: string[] = [];
    let overlong = 0;
    const r = new LineReader((l) => lines.push(l), 10, () => overlong++);
    r.push('ab');
    r.push('c\r\nde');
    r.push('x'.repeat(20));
    r.push('yy\nok\nlast');
    r.end();
    expect(lines).toEqual(['abc', 'ok', 'last']);
    expect(overlong).toBe(1);
  });
});

describe('TrainProcess', () => {
  it('reports epochs, then resolves with the done event (noise on stdout is logged, not fatal)', async () => {
    const events: TrainEvent[] = [];
    const logs: string[] = [];
    const { dir, proc } = start('garbage', { events, logs });
    const done = await proc.result;
    expect(done.labels).toEqual(['cat', 'dog']);
    expect(done.confusion).toEqual([[1, 0], [0, 1]]);
    expect(existsSync(path.join(dir, 'out.onnx'))).toBe(true);
    expect(events.map((e) => e.event)).toEqual(['start', 'epoch', 'epoch', 'done']);
    expect(logs).toContain('a warning from a library');
  });

  it('turns the error event into a TrainingError with its code and details', async () => {
    const { proc } = start('error');
    await expect(proc.result).rejects.toMatchObject({ code: 'bad_image', message: 'cannot decode cat/1.jpg', details: { path: 'cat/1.jpg' } });
  });

  it('reports a crash with the end of stderr', async () => {
    const { proc } = start('crash');
    const err = await proc.result.catch((e) => e);
    expect(err).toBeInstanceOf(TrainingError);
    expect(err.code).toBe('python_failed');
    expect(err.message).toContain('RuntimeError: boom');
  });

  it('cancel: SIGTERM, the process is gone within 2 s and its checkpoint is named', async () => {
    const events: TrainEvent[] = [];
    const { dir, proc } = start('slow', { events });
    await firstEpoch(events);
    const t0 = Date.now();
    await proc.cancel();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(alive(proc.pid!)).toBe(false);
    const err = await proc.result.catch((e) => e);
    expect(err).toMatchObject({ code: 'cancelled', details: { checkpoint: path.join(dir, 'ckpt', 'last.pt') } });
    expect(readFileSync(path.join(dir, 'ckpt', 'last.pt'), 'utf8')).toBe('checkpoint');
  });

  it('cancel: a trainer that ignores SIGTERM is killed within 2 s', async () => {
    const events: TrainEvent[] = [];
    const { proc } = start('stubborn', { events, killGraceMs: 1000 });
    await firstEpoch(events);
    const t0 = Date.now();
    await proc.cancel();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(alive(proc.pid!)).toBe(false);
    await expect(proc.result).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('a Python that does not exist is python_missing', async () => {
    const dir = tmpDir('rl-tp-');
    const proc = new TrainProcess({ python: path.join(dir, 'no-python'), trainingRoot: FAKE_ROOT, args: { manifestFile: manifest(dir), out: 'o', from: 'none' } });
    await expect(proc.result).rejects.toMatchObject({ code: 'python_missing' });
  });

  it('a Python that exits 0 without a done event is an error, not a model', async () => {
    const dir = tmpDir('rl-tp-');
    const fake = path.join(dir, 'py');
    writeFileSync(fake, '#!/bin/sh\necho "{}"\nexit 0\n');
    chmodSync(fake, 0o755);
    const proc = new TrainProcess({ python: fake, trainingRoot: FAKE_ROOT, args: { manifestFile: manifest(dir), out: 'o', from: 'none' } });
    await expect(proc.result).rejects.toMatchObject({ code: 'python_failed', message: expect.stringContaining('without a model') });
  });
});
