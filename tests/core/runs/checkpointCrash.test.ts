/**
 * Killing a process in the middle of a checkpoint write (SIGKILL at a random moment of the
 * save) never leaves a damaged checkpoint that loads: the newest complete one loads, whole, and
 * the interrupted one is invisible. A child saves checkpoints in a loop; the test kills it,
 * checks what loads, and starts it again from there, several times.
 */
import * as tf from '@tensorflow/tfjs';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointStore } from '../../../core/runs/checkpointStore.ts';

const WRITER = join(import.meta.dirname, 'fixtures', 'checkpointWriter.ts');
const root = mkdtempSync(join(tmpdir(), 'ars-ckpt-kill-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Outcome {
  /** The last step the writer reported saved, and the last one it began to save. */
  lastSaved: number;
  lastBegun: number;
  partialLeft: boolean;
}

/** Runs the writer from `first`, kills it at a random moment of a save, reports what it had said. */
function runAndKill(dir: string, first: number, random: () => number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir, String(first)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let lastSaved = first - 1;
    let lastBegun = first - 1;
    let begunAt = 0;
    let saveMs = 0;
    let target = -1;
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const line of lines) {
        const [word, n] = line.split(' ');
        const step = Number(n);
        if (word === 'saved') {
          lastSaved = step;
          saveMs = Math.max(saveMs, performance.now() - begunAt);
        } else if (word === 'begin') {
          lastBegun = step;
          begunAt = performance.now();
          // After two timed saves, kill somewhere inside the next one.
          if (step >= first + 2 && target < 0) {
            target = step;
            setTimeout(() => child.kill('SIGKILL'), random() * saveMs);
          }
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`the writer stopped by itself: ${err}`));
      const partialLeft = readdirSync(dir).some((n) => n.endsWith('.partial'));
      resolve({ lastSaved, lastBegun, partialLeft });
    });
  });
}

describe('a checkpoint write killed midway', () => {
  it('leaves the previous checkpoint intact, and it is the one that loads', async () => {
    const dir = join(root, 'checkpoints');
    const store = new CheckpointStore(dir);
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    let next = 1;
    let midWrite = 0;
    let cycles = 0;
    while (cycles < 12 && (cycles < 5 || midWrite < 2)) {
      cycles++;
      const o = await runAndKill(dir, next, random);
      if (o.partialLeft) midWrite++;
      const { checkpoint, skipped } = await store.loadLatest();
      // Nothing damaged is ever visible: no checkpoint was skipped, and the one that loads is the
      // last one reported saved — or the one being saved, if the kill came after its rename.
      expect(skipped).toEqual([]);
      expect(checkpoint).not.toBeNull();
      expect([o.lastSaved, o.lastBegun]).toContain(checkpoint!.step);
      if (o.partialLeft) expect(checkpoint!.step).toBe(o.lastSaved);
      for (const [name, t] of Object.entries(checkpoint!.tensors)) {
        const values = t.dataSync();
        expect(values.length, name).toBeGreaterThan(0);
        expect(values.every((v) => v === checkpoint!.step), `${name} holds only the value ${checkpoint!.step}`).toBe(true);
      }
      tf.dispose(Object.values(checkpoint!.tensors));
      const steps = await store.steps();
      expect(steps[0]).toBe(checkpoint!.step);
      next = checkpoint!.step + 1;
    }
    console.log(`[checkpointCrash] ${cycles} kills, ${midWrite} in the middle of a write`);
    // The kills did land inside writes (a partial folder was left behind), not only between them.
    expect(midWrite).toBeGreaterThanOrEqual(1);
    // The next save cleans up what the interrupted writes left.
    const { checkpoint } = await store.loadLatest();
    await store.save(checkpoint!.tensors, { step: checkpoint!.step + 1 });
    tf.dispose(Object.values(checkpoint!.tensors));
    expect(readdirSync(dir).filter((n) => n.endsWith('.partial'))).toEqual([]);
  });
});
