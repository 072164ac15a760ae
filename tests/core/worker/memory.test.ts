/**
 * Long jobs do not leak: 2,000 training steps and 10,000 sampled tokens (small models, the real
 * Studio behind the dispatcher) leave tf.memory().numTensors flat while they run and back at its
 * starting value afterwards, and the process's memory bounded. (The bench reports the same for
 * the large models.)
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../../core/protocol/messages.ts';
import { SampleOptions } from '../../../core/generate/options.ts';
import { TrainConfig, type TrainConfigInput } from '../../../core/train/config.ts';
import { Studio, type Job } from '../../../core/worker/studio.ts';

let home: string;
let studio: Studio;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'ars-memory-'));
  studio = new Studio({ home, progressIntervalMs: 0, ...(process.env.ARS_BACKEND ? { backend: process.env.ARS_BACKEND } : {}) });
  await studio.info();
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

const MiB = 1024 * 1024;

// A full garbage collection before each reading, so the figures show what is kept, not what V8
// has not collected yet (without it, resident memory climbs with garbage between collections).
v8.setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

interface Sample {
  at: number;
  tensors: number;
  bytes: number;
  rss: number;
  heap: number;
}

/** Measured between two events of a job, in the worker itself (the Studio runs in this process). */
function measure(at: number): Sample {
  const m = tf.memory();
  collectGarbage();
  const { rss, heapUsed } = process.memoryUsage();
  return { at, tensors: m.numTensors, bytes: m.numBytes, rss, heap: heapUsed };
}

async function drain(job: Job, onEvent: (e: JobEvent) => void): Promise<JobEvent[]> {
  const out: JobEvent[] = [];
  for await (const e of job.events()) {
    out.push(e);
    onEvent(e);
  }
  return out;
}

const train = (model: TrainConfigInput['model'], steps: number): TrainConfig =>
  TrainConfig.parse({
    model,
    data: { kind: 'builtin', name: 'sonnets' },
    steps,
    batch: 4,
    seq: 8,
    evalEvery: 100,
    evalBatches: 1,
    checkpointEvery: 500,
  });

/** Memory kept over the second half of a job: a leak grows it, warm-up does not. */
function expectBounded(samples: Sample[]): void {
  const half = samples[Math.floor(samples.length / 2)]!;
  const last = samples.at(-1)!;
  expect((last.rss - half.rss) / MiB, 'resident memory growth, MiB').toBeLessThan(16);
  expect((last.heap - half.heap) / MiB, 'JavaScript heap growth, MiB').toBeLessThan(4);
}

describe('memory over long jobs', () => {
  it('2,000 training steps: tensors flat, memory bounded', async () => {
    const baseline = measure(0);
    const job = await studio.startTraining(train({ family: 'transformer', dModel: 16, heads: 2, layers: 1, ffn: 32, context: 8 }, 2000));
    const samples: Sample[] = [];
    const events = await drain(job, (e) => {
      if (e.kind === 'progress' && e.step % 100 === 0) samples.push(measure(e.step));
    });
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed', summary: { step: 2000 } });
    expect(samples.map((s) => s.at)).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 100));
    // The count of live tensors (weights, optimiser moments) never moves while it trains...
    expect(new Set(samples.map((s) => s.tensors)).size, JSON.stringify(samples.map((s) => s.tensors))).toBe(1);
    expect(new Set(samples.map((s) => s.bytes)).size).toBe(1);
    // ...and everything the job held is released when it ends.
    expect(measure(0).tensors).toBe(baseline.tensors);
    expectBounded(samples);
    console.log(`[memory] training: ${samples[0]!.tensors} tensors throughout; rss ${samples.map((s) => (s.rss / MiB).toFixed(0)).join(' ')} MiB`);
  });

  it('10,000 sampled tokens: tensors flat, memory bounded', async () => {
    const trained = await studio.startTraining(train({ family: 'rnn', cell: 'lstm', embedding: 8, hidden: 32, layers: 1 }, 20));
    await drain(trained, () => undefined);
    const baseline = measure(0);
    const job = await studio.sample(trained.runId, SampleOptions.parse({ length: 10_000, seed: 7, temperature: 1 }));
    const samples: Sample[] = [];
    let tokens = 0;
    const events = await drain(job, (e) => {
      if (e.kind === 'token' && ++tokens % 1000 === 0) samples.push(measure(tokens));
    });
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });
    expect(tokens).toBe(10_000);
    expect(samples).toHaveLength(10);
    expect(new Set(samples.map((s) => s.tensors)).size, JSON.stringify(samples.map((s) => s.tensors))).toBe(1);
    expect(measure(0).tensors).toBe(baseline.tensors);
    expectBounded(samples);
    console.log(`[memory] sampling: ${samples[0]!.tensors} tensors throughout; rss ${samples.map((s) => (s.rss / MiB).toFixed(0)).join(' ')} MiB`);
  });
});
