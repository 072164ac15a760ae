/** `ars bench` PixelCNN sampling figures: seconds per image (naive, fast) and per batch of 16 (fast). */
import { samplePixelCnn } from '../../generate/pixelcnnSampling.ts';
import type { PixelSamplingMethod } from '../../generate/pixelcnnOptions.ts';
import { PixelCnnModel } from '../../models/pixelcnn.ts';
import { BENCH_PIXELCNN_CONFIG, DEFAULT_PIXELCNN_CONFIG } from '../../models/pixelcnnConfig.ts';
import type { JobResult, Measured } from './jobs.ts';
import { median } from './measure.ts';

/** One unconditional sampling run; seconds. `stopAfter` pixels: a warm-up run that stops early. */
async function sampleOnce(model: PixelCnnModel, method: PixelSamplingMethod, samples: number, seed: number, stopAfter?: number): Promise<number> {
  const controller = new AbortController();
  let pixels = 0;
  const t0 = performance.now();
  for await (const e of samplePixelCnn(model, { samples, seed, method, signal: controller.signal })) {
    if (e.kind === 'pixel' && stopAfter !== undefined && ++pixels >= stopAfter) controller.abort();
  }
  return (performance.now() - t0) / 1000;
}

async function measure(model: PixelCnnModel, method: PixelSamplingMethod, samples: number, repeats: number, warmupPixels: number): Promise<Measured> {
  await sampleOnce(model, method, samples, 99, warmupPixels);
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) times.push(await sampleOnce(model, method, samples, i + 1));
  const lo = Math.min(...times);
  const hi = Math.max(...times);
  return { value: median(times), repeats: times.length, detail: `min ${lo.toFixed(3)} · max ${hi.toFixed(3)} s, ${times.length} runs` };
}

export async function pixelCnnSamplingBench(): Promise<JobResult> {
  const model = new PixelCnnModel(BENCH_PIXELCNN_CONFIG, 1);
  try {
    return {
      'sample.pixelcnn.fast': await measure(model, 'fast', 1, 3, 60),
      'sample.pixelcnn.batch16': await measure(model, 'fast', 16, 2, 30),
      // The baseline: one whole-image pass per pixel. One timed run (it is the slow one).
      'sample.pixelcnn.naive': await measure(model, 'naive', 1, 1, 10),
    };
  } finally {
    model.dispose();
  }
}

/** One image on the fast path with the default PixelCNN (deeper than the benchmark shape): what a user waits in the Image lab. */
export async function defaultPixelCnnSamplingBench(): Promise<JobResult> {
  const model = new PixelCnnModel(DEFAULT_PIXELCNN_CONFIG, 1);
  try {
    return { 'sample.pixelcnn.default': await measure(model, 'fast', 1, 3, 60) };
  } finally {
    model.dispose();
  }
}
