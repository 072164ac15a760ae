import * as tf from '@tensorflow/tfjs';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
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

  it.skipIf(process.platform === 'win32')('never reads model.json, weights.bin or a step folder through a link, and never quotes a file in its error', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'ars-outside-'));
    const secret = join(outside, 'passwd');
    writeFileSync(secret, 'root:x:0:0:SECRET-BYTES:/root:/bin/bash\n');
    const dir = join(mkdtempSync(join(tmpdir(), 'ars-ckpt-')), 'checkpoints');
    const store = new CheckpointStore(dir);
    const model = new RnnModel(config, 3);
    await store.save(weightsOf(model), { step: 10 });
    const step = join(dir, 'step-000000010');

    // model.json → a file elsewhere: refused, and its bytes are not in the message.
    renameSync(join(step, 'model.json'), join(outside, 'model.json'));
    symlinkSync(secret, join(step, 'model.json'));
    const err1 = await store.load(10).catch((e: unknown) => e);
    expect(err1).toBeInstanceOf(CheckpointError);
    expect((err1 as Error).message).toMatch(/link/);
    expect((err1 as Error).message).not.toMatch(/root|SECRET/);
    rmSync(join(step, 'model.json'));
    renameSync(join(outside, 'model.json'), join(step, 'model.json'));

    // A model.json whose contents are not JSON: the message does not quote them either.
    const good = readFileSync(join(step, 'model.json'));
    writeFileSync(join(step, 'model.json'), 'root:x:0:0:SECRET-BYTES');
    const err2 = await store.load(10).catch((e: unknown) => e);
    expect((err2 as Error).message).toMatch(/model\.json/);
    expect((err2 as Error).message).not.toMatch(/root|SECRET/);
    writeFileSync(join(step, 'model.json'), good);

    // weights.bin → the same bytes elsewhere (so they would verify): refused, not loaded.
    renameSync(join(step, 'weights.bin'), join(outside, 'weights.bin'));
    symlinkSync(join(outside, 'weights.bin'), join(step, 'weights.bin'));
    await expect(store.load(10)).rejects.toThrow(/weights\.bin.*link|link.*weights\.bin/);
    const latest = await store.loadLatest();
    expect(latest.checkpoint).toBeNull();
    expect(latest.skipped).toEqual([{ step: 10, reason: expect.stringMatching(/link/) }]);
    rmSync(join(step, 'weights.bin'));
    copyFileSync(join(outside, 'weights.bin'), join(step, 'weights.bin'));
    tf.dispose(Object.values((await store.load(10)).tensors)); // whole again: loads

    // The step folder itself a link to a checkpoint elsewhere: refused.
    renameSync(step, join(outside, 'step'));
    symlinkSync(join(outside, 'step'), step, 'dir');
    await expect(store.load(10)).rejects.toThrow(/link/);
    model.dispose();
  });
});
