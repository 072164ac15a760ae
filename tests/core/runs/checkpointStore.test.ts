import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError } from '../../../core/errors.ts';
import { RnnModel } from '../../../core/models/rnn.ts';
import { CheckpointStore } from '../../../core/runs/checkpointStore.ts';
import { useAppBackend } from '../../helpers/backend.ts';

beforeAll(useAppBackend);

const config = { family: 'rnn', cell: 'lstm', vocabSize: 13, embedding: 8, hidden: 16, layers: 2 } as const;

function weightsOf(model: RnnModel): tf.NamedTensorMap {
  return Object.fromEntries(model.weights);
}

describe('CheckpointStore', () => {
  it('save → load gives a model with identical logits', async () => {
    const store = new CheckpointStore(join(mkdtempSync(join(tmpdir(), 'ars-ckpt-')), 'checkpoints'));
    const a = new RnnModel(config, 1);
    const b = new RnnModel(config, 2); // different initial weights
    const x = tf.tensor2d([[1, 5, 7, 2, 11]], [1, 5], 'int32');
    const before = tf.tidy(() => a.logits(x).dataSync().slice());
    expect(tf.tidy(() => b.logits(x).dataSync().slice())).not.toEqual(before);
    await store.save(weightsOf(a), { step: 10 });
    const loaded = await store.load(10);
    for (const [name, v] of b.weights) v.assign(loaded.tensors[name]!);
    tf.dispose(Object.values(loaded.tensors));
    expect(tf.tidy(() => b.logits(x).dataSync().slice())).toEqual(before);
    x.dispose();
    a.dispose();
    b.dispose();
  });

  it('a truncated checkpoint raises CheckpointError and the earlier checkpoint still loads', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ars-ckpt-')), 'checkpoints');
    const store = new CheckpointStore(dir);
    const m = new RnnModel(config, 1);
    await store.save(weightsOf(m), { step: 100 });
    await store.save(weightsOf(m), { step: 200 });
    const bin = join(dir, 'step-000000200', 'weights.bin');
    truncateSync(bin, Math.floor(statSync(bin).size / 2));
    await expect(store.load(200)).rejects.toBeInstanceOf(CheckpointError);
    await expect(store.load(200)).rejects.toThrow(/truncated/);
    const { checkpoint, skipped } = await store.loadLatest();
    expect(checkpoint!.step).toBe(100);
    expect(skipped).toEqual([{ step: 200, reason: expect.stringMatching(/damaged/) }]);
    tf.dispose(Object.values(checkpoint!.tensors));
    m.dispose();
  });

  it('detects flipped bytes and a garbage manifest', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ars-ckpt-')), 'checkpoints');
    const store = new CheckpointStore(dir);
    const m = new RnnModel(config, 1);
    await store.save(weightsOf(m), { step: 1 });
    await store.save(weightsOf(m), { step: 2 });
    const bin = join(dir, 'step-000000001', 'weights.bin');
    const bytes = new Uint8Array(readFileSync(bin));
    bytes[10] ^= 0xff;
    writeFileSync(bin, bytes);
    await expect(store.load(1)).rejects.toThrow(/checksum/);
    writeFileSync(join(dir, 'step-000000002', 'model.json'), '{"format": 7');
    await expect(store.load(2)).rejects.toBeInstanceOf(CheckpointError);
    m.dispose();
  });

  it('keeps the newest three checkpoints and leaves no partial folders', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ars-ckpt-')), 'checkpoints');
    const store = new CheckpointStore(dir);
    const m = new RnnModel(config, 1);
    for (const step of [1, 2, 3, 4, 5]) await store.save(weightsOf(m), { step });
    expect(readdirSync(dir).sort()).toEqual(['step-000000003', 'step-000000004', 'step-000000005']);
    m.dispose();
  });
});
