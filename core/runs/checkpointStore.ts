import * as tf from '@tensorflow/tfjs';
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FileRefusal, readRegularFile } from '../data/regularFile.ts';
import { CheckpointError } from '../errors.ts';
import { syncDir, writeFileAtomic } from './atomicFile.ts';
import { describeFsError, fsErrorCode } from './fsErrors.ts';

const FORMAT = 'ars-checkpoint/1';
const STEP_DIR = /^step-(\d{9})$/;
/** A checkpoint's model.json is a few KiB; a larger one is not ours. */
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

/** Why a checkpoint file could not be read, in words that never quote the file. */
function describeReadError(err: unknown): string {
  return err instanceof FileRefusal ? err.message : describeFsError(err);
}

export interface CheckpointMetadata {
  step: number;
  [key: string]: unknown;
}

interface ManifestFile {
  format: string;
  generatedBy: string;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  userDefinedMetadata: { metadata: CheckpointMetadata; weightsBytes: number; weightsSha256: string };
}

/**
 * A tfjs IOHandler that writes model artifacts to a folder on disk: `model.json` (the weights
 * manifest, metadata, size and SHA-256 of the weights) and `weights.bin`. The folder is written
 * under a temporary name and renamed into place, so a checkpoint is either whole or absent;
 * loading verifies the size and hash, so a damaged file raises CheckpointError.
 */
export function diskCheckpointHandler(dir: string, metadata?: CheckpointMetadata): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (!metadata) throw new CheckpointError('a checkpoint needs its metadata to be saved');
      const data = concatWeightData(artifacts.weightData);
      const bytes = new Uint8Array(data);
      const manifest: ManifestFile = {
        format: FORMAT,
        generatedBy: `TensorFlow.js ${tf.version.tfjs}`,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        userDefinedMetadata: { metadata, weightsBytes: bytes.byteLength, weightsSha256: sha256(bytes) },
      };
      const tmp = `${dir}.${randomBytes(4).toString('hex')}.partial`;
      await mkdir(tmp, { recursive: true });
      try {
        await writeFileAtomic(join(tmp, 'weights.bin'), bytes);
        await writeFileAtomic(join(tmp, 'model.json'), JSON.stringify(manifest));
        await rm(dir, { recursive: true, force: true });
        await rename(tmp, dir);
        await syncDir(join(dir, '..'));
      } catch (err) {
        await rm(tmp, { recursive: true, force: true });
        throw err;
      }
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes.byteLength } };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      // Never through a link (the step folder or its files), and never quoting a file in an error.
      const read = (name: string, maxBytes: number) => readRegularFile(join(dir, name), { maxBytes, below: dirname(dir) });
      let manifest: ManifestFile;
      try {
        const text = new TextDecoder().decode(await read('model.json', MAX_MANIFEST_BYTES));
        try {
          manifest = JSON.parse(text) as ManifestFile;
        } catch {
          throw new CheckpointError(`the checkpoint in ${dir} has a damaged model.json (not JSON)`);
        }
      } catch (err) {
        if (err instanceof CheckpointError) throw err;
        throw new CheckpointError(`the checkpoint in ${dir} has no readable model.json (${describeReadError(err)})`);
      }
      if (manifest?.format !== FORMAT || !Array.isArray(manifest.weightsManifest) || !manifest.userDefinedMetadata) {
        throw new CheckpointError(`the checkpoint in ${dir} is not an Autoregressive Studio checkpoint`);
      }
      const expected = manifest.userDefinedMetadata.weightsBytes;
      if (!Number.isSafeInteger(expected) || expected < 0) throw new CheckpointError(`the checkpoint in ${dir} is not an Autoregressive Studio checkpoint`);
      let bytes: Uint8Array;
      try {
        bytes = await read('weights.bin', expected);
      } catch (err) {
        if (err instanceof FileRefusal && err.reason === 'too-big') {
          throw new CheckpointError(`the checkpoint in ${dir} is damaged: weights.bin has ${err.size ?? 'more'} bytes, expected ${expected}`);
        }
        if (err instanceof FileRefusal && err.reason === 'missing') throw new CheckpointError(`the checkpoint in ${dir} has lost its weights.bin`);
        throw new CheckpointError(`the checkpoint in ${dir} cannot use its weights.bin (${describeReadError(err)})`);
      }
      const { weightsBytes, weightsSha256 } = manifest.userDefinedMetadata;
      if (bytes.byteLength !== weightsBytes) {
        throw new CheckpointError(`the checkpoint in ${dir} is damaged: weights.bin has ${bytes.byteLength} bytes, expected ${weightsBytes} (truncated?)`);
      }
      if (sha256(bytes) !== weightsSha256) throw new CheckpointError(`the checkpoint in ${dir} is damaged: weights.bin does not match its checksum`);
      return {
        format: manifest.format,
        generatedBy: manifest.generatedBy,
        weightSpecs: manifest.weightsManifest.flatMap((g) => g.weights),
        weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
        userDefinedMetadata: manifest.userDefinedMetadata as unknown as tf.io.ModelArtifacts['userDefinedMetadata'],
      };
    },
  };
}

function concatWeightData(data: tf.io.WeightData | undefined): ArrayBuffer {
  if (!data) return new ArrayBuffer(0);
  if (data instanceof ArrayBuffer) return data;
  return tf.io.concatenateArrayBuffers(data);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface LoadedCheckpoint {
  step: number;
  metadata: CheckpointMetadata;
  /** Owned by the caller: dispose after use. */
  tensors: tf.NamedTensorMap;
}

/** The checkpoints of one run: `checkpoints/step-000000200/`, newest kept, oldest pruned. */
export class CheckpointStore {
  constructor(
    readonly dir: string,
    private readonly keep = 3,
  ) {}

  private stepDir(step: number): string {
    return join(this.dir, `step-${String(step).padStart(9, '0')}`);
  }

  /**
   * Saves a checkpoint: either it is written whole, or (disk full, read-only folder, a crash)
   * nothing of it is visible and the earlier checkpoints are untouched. A failure is a
   * CheckpointError saying why.
   */
  async save(tensors: tf.NamedTensorMap, metadata: CheckpointMetadata): Promise<void> {
    const { data, specs } = await tf.io.encodeWeights(tensors);
    try {
      await this.refuseLink();
      await mkdir(this.dir, { recursive: true });
      await diskCheckpointHandler(this.stepDir(metadata.step), metadata).save!({ weightSpecs: specs, weightData: data });
    } catch (err) {
      if (err instanceof CheckpointError) throw err;
      throw new CheckpointError(`cannot save the checkpoint at step ${metadata.step} in ${this.dir}: ${describeFsError(err)}`);
    }
    // Pruning old checkpoints is housekeeping: failing to delete one loses nothing.
    await this.prune().catch(() => undefined);
  }

  /** The checkpoints folder must be a real folder inside the run, not a link to elsewhere. */
  private async refuseLink(): Promise<void> {
    let info;
    try {
      info = await lstat(this.dir);
    } catch (err) {
      if (fsErrorCode(err) === 'ENOENT') return;
      throw err;
    }
    if (info.isSymbolicLink()) throw new CheckpointError(`${this.dir} is a symbolic link; checkpoints are only kept in real folders inside the run`);
  }

  /** Steps with a checkpoint folder, newest first (not yet verified). Links are not followed. */
  async steps(): Promise<number[]> {
    let names: string[];
    try {
      await this.refuseLink();
      names = (await readdir(this.dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch (err) {
      if (err instanceof CheckpointError) throw err;
      return [];
    }
    return names
      .map((n) => STEP_DIR.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => b - a);
  }

  /** Loads one checkpoint, verified; CheckpointError if it is damaged. */
  async load(step: number): Promise<LoadedCheckpoint> {
    await this.refuseLink();
    const artifacts = await diskCheckpointHandler(this.stepDir(step)).load!();
    let tensors: tf.NamedTensorMap;
    try {
      tensors = tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
    } catch (err) {
      // Its bytes matched their size and checksum: an error here that is not about the data (a
      // WebAssembly abort, memory) says nothing about the checkpoint and is passed on as it is.
      if (!(err instanceof Error) || err.name === 'RuntimeError' || err instanceof RangeError || /Aborted\(|out of memory|out of bounds/i.test(err.message)) throw err;
      throw new CheckpointError(`the checkpoint at step ${step} cannot be decoded: ${(err as Error).message}`);
    }
    const metadata = (artifacts.userDefinedMetadata as { metadata: CheckpointMetadata }).metadata;
    return { step, metadata, tensors };
  }

  /**
   * The newest checkpoint that verifies. Damaged newer ones are not loaded silently: they are
   * returned in `skipped` with the reason, so the caller can tell the user.
   */
  async loadLatest(): Promise<{ checkpoint: LoadedCheckpoint | null; skipped: { step: number; reason: string }[] }> {
    const skipped: { step: number; reason: string }[] = [];
    for (const step of await this.steps()) {
      try {
        return { checkpoint: await this.load(step), skipped };
      } catch (err) {
        if (!(err instanceof CheckpointError)) throw err;
        skipped.push({ step, reason: err.message });
      }
    }
    return { checkpoint: null, skipped };
  }

  /** Keeps the newest `keep` checkpoints; also removes partial folders from interrupted writes. */
  private async prune(): Promise<void> {
    const names = await readdir(this.dir);
    for (const n of names) if (n.endsWith('.partial')) await rm(join(this.dir, n), { recursive: true, force: true });
    const steps = await this.steps();
    for (const step of steps.slice(this.keep)) await rm(this.stepDir(step), { recursive: true, force: true });
  }
}
