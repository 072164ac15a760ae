import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { BUILTIN_IMAGE_SETS } from '../../data/imageSource.ts';
import { BUILTIN_CORPORA } from '../../data/source.ts';
import { RNN_DEFAULTS, TRANSFORMER_DEFAULTS } from '../../models/defaults.ts';
import { DEFAULT_PIXELCNN_CONFIG } from '../../models/pixelcnnConfig.ts';
import { DISTILL_DEFAULTS, DISTILL_MAX_CHARACTERS } from '../../generate/distillOptions.ts';
import { Methods, type ParamsOf } from '../../protocol/messages.ts';
import { TrainConfig, type TrainConfigInput } from '../../train/config.ts';
import { ImageTrainConfig, type ImageTrainConfigInput } from '../../train/imageConfig.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../exitStatus.ts';
import { STUDIO_HELP, STUDIO_OPTIONS, stringFlags, type Values } from '../flags.ts';
import { checkAgainst, defined, intValue, optInt, optNumber, required, str } from '../flagValues.ts';
import { followTraining } from '../followTraining.ts';
import type { CliIo } from '../io.ts';
import { withClient } from '../studioAccess.ts';

const HELP = `Usage: ars train --model lstm|gru|rnn|transformer|nar|pixelcnn --data sonnets|mnist|PATH --steps N [options]

Trains a new run and shows its progress. Ctrl-C cancels (the run keeps its last checkpoint).
On a terminal, what the model writes after each validation is printed above the progress bar.

  --model NAME        lstm, gru or rnn (recurrent), transformer (causal, autoregressive),
                      nar (mask-predict Transformer, non-autoregressive), or pixelcnn (images)
  --data SOURCE       a built-in corpus (${BUILTIN_CORPORA.join(', ')}) or the path of a UTF-8 text file
                      (write ./NAME for a file named like a built-in corpus)
  --steps N           training steps
  --batch N           sequences per batch (default 32)
  --seq N             characters per sequence (default 64)
  --hidden N          hidden units per layer (default ${RNN_DEFAULTS.hidden})
  --embedding N       embedding size (default ${RNN_DEFAULTS.embedding})
  --layers N          layers: recurrent 1-3 (default ${RNN_DEFAULTS.layers}), Transformer (default ${TRANSFORMER_DEFAULTS.layers})
  --d-model N         Transformer width (default ${TRANSFORMER_DEFAULTS.dModel})
  --heads N           attention heads (default ${TRANSFORMER_DEFAULTS.heads})
  --ffn N             feed-forward width (default ${TRANSFORMER_DEFAULTS.ffn})
  --context N         Transformer context length (default: --seq)
  --channels N        PixelCNN feature maps (default 64)
  --blocks N          PixelCNN masked 3×3 residual layers (default 5)
  --lr X              peak learning rate (default 0.003)
  --name TEXT         a name for the run
  --distill-from RUN  sequence-level distillation: train on text that causal run (Transformer or RNN)
                      writes first, in its vocabulary (--data defaults to that run's data)
  --distill-temperature X   its sampling temperature (default ${DISTILL_DEFAULTS.temperature})
  --distill-chars N   characters it writes (default: as many as it trained on, at most ${DISTILL_MAX_CHARACTERS})
  --seed N            random seed (default 1; also the distillation text's)
${STUDIO_HELP}

With --json: one JSON progress event a line, then { "runId", "step", "trainLoss", "valLoss", "state" }.`;

/** The flag behind each field of a text run's config, for usage errors. */
const TRAIN_FLAGS: Record<string, string> = {
  steps: '--steps',
  batch: '--batch',
  seq: '--seq',
  lr: '--lr',
  'model.cell': '--model',
  'model.hidden': '--hidden',
  'model.embedding': '--embedding',
  'model.layers': '--layers',
  'model.dModel': '--d-model',
  'model.heads': '--heads',
  'model.ffn': '--ffn',
  'model.context': '--context',
  data: '--data',
  'data.path': '--data',
  'data.name': '--data',
};

/** A Transformer's context when neither --context nor --seq is given: TrainConfig's default sequence length. */
const DEFAULT_CONTEXT = 64;

function dataSource(raw: string, cwd: string): TrainConfigInput['data'] {
  if ((BUILTIN_CORPORA as readonly string[]).includes(raw)) return { kind: 'builtin', name: raw as (typeof BUILTIN_CORPORA)[number] };
  return { kind: 'file', path: resolve(cwd, raw) };
}

function modelChoice(name: string, values: Values): TrainConfigInput['model'] {
  if (name === 'lstm' || name === 'gru' || name === 'rnn') {
    return {
      family: 'rnn' as const,
      cell: name,
      embedding: optInt(values, 'embedding') ?? RNN_DEFAULTS.embedding,
      hidden: optInt(values, 'hidden') ?? RNN_DEFAULTS.hidden,
      layers: optInt(values, 'layers') ?? RNN_DEFAULTS.layers,
    };
  }
  if (name === 'transformer' || name === 'nar') {
    return {
      family: name === 'nar' ? ('maskPredict' as const) : ('transformer' as const),
      dModel: optInt(values, 'd-model') ?? TRANSFORMER_DEFAULTS.dModel,
      heads: optInt(values, 'heads') ?? TRANSFORMER_DEFAULTS.heads,
      layers: optInt(values, 'layers') ?? TRANSFORMER_DEFAULTS.layers,
      ffn: optInt(values, 'ffn') ?? TRANSFORMER_DEFAULTS.ffn,
      context: optInt(values, 'context') ?? optInt(values, 'seq') ?? DEFAULT_CONTEXT,
    };
  }
  throw new UsageError(`--model must be lstm, gru, rnn, transformer, nar or pixelcnn (got '${name}')`);
}

/** --distill-from and its settings, checked; undefined without --distill-from. */
function distillRequest(values: Values): ParamsOf<'train.start'>['distillFrom'] {
  const runId = str(values, 'distill-from');
  if (runId === undefined) {
    if (str(values, 'distill-temperature') !== undefined || str(values, 'distill-chars') !== undefined) {
      throw new UsageError('--distill-temperature and --distill-chars need --distill-from RUN');
    }
    return undefined;
  }
  if (runId === '') throw new UsageError('--distill-from needs the id of a causal text run (ars runs lists them)');
  const request = defined({ runId, temperature: optNumber(values, 'distill-temperature'), characters: optInt(values, 'distill-chars') });
  checkAgainst(DistillFrom, request, { runId: '--distill-from', temperature: '--distill-temperature', characters: '--distill-chars' });
  return request;
}

const DistillFrom = Methods['train.start'].params.shape.distillFrom.unwrap();

async function trainText(values: Values, io: CliIo): Promise<number> {
  const model = modelChoice(required(values, 'model', 'train'), values);
  const distillFrom = distillRequest(values);
  const data = distillFrom ? str(values, 'data') : required(values, 'data', 'train');
  const steps = intValue('steps', required(values, 'steps', 'train'));
  const config = (source: TrainConfigInput['data']): TrainConfigInput =>
    defined({ model, data: source, steps, batch: optInt(values, 'batch'), seq: optInt(values, 'seq'), lr: optNumber(values, 'lr'), seed: optInt(values, 'seed') });
  // Checked before any worker starts; a distilled run's data is its AR run's, looked up below.
  checkAgainst(TrainConfig, config(data ? dataSource(data, io.cwd) : { kind: 'builtin', name: BUILTIN_CORPORA[0] }), TRAIN_FLAGS);
  const name = str(values, 'name');
  return withClient(values, io, async (client) => {
    const source = data ? dataSource(data, io.cwd) : ((await client.request('runs.get', { runId: distillFrom!.runId })).config.data as TrainConfigInput['data']);
    const params: ParamsOf<'train.start'> = defined({ config: config(source), name, distillFrom });
    return followTraining(client, () => client.request('train.start', params), values, io);
  });
}

function imageSource(raw: string, cwd: string): ImageTrainConfigInput['data'] {
  if ((BUILTIN_IMAGE_SETS as readonly string[]).includes(raw)) return { kind: 'builtin', name: raw as (typeof BUILTIN_IMAGE_SETS)[number] };
  const path = resolve(cwd, raw);
  return existsSync(path) && statSync(path).isDirectory() ? { kind: 'folder', path } : { kind: 'file', path };
}

async function trainImages(values: Values, io: CliIo): Promise<number> {
  const config: ImageTrainConfigInput = defined({
    model: {
      family: 'pixelcnn' as const,
      channels: optInt(values, 'channels') ?? DEFAULT_PIXELCNN_CONFIG.channels,
      residualBlocks: optInt(values, 'blocks') ?? DEFAULT_PIXELCNN_CONFIG.residualBlocks,
    },
    data: imageSource(required(values, 'data', 'train'), io.cwd),
    steps: intValue('steps', required(values, 'steps', 'train')),
    batch: optInt(values, 'batch'),
    lr: optNumber(values, 'lr'),
  });
  checkAgainst(ImageTrainConfig, config, { steps: '--steps', batch: '--batch', lr: '--lr', 'model.channels': '--channels', 'model.residualBlocks': '--blocks', data: '--data' });
  const name = str(values, 'name');
  return withClient(values, io, (client) =>
    followTraining(client, () => client.request('image.train.start', name === undefined ? { config } : { config, name }), values, io),
  );
}

export const trainCommand: Command = {
  summary: 'train a new character-level model',
  help: HELP,
  options: {
    ...stringFlags('model', 'data', 'steps', 'batch', 'seq', 'hidden', 'embedding', 'layers', 'd-model', 'heads', 'ffn', 'context', 'channels', 'blocks', 'lr', 'name'),
    ...stringFlags('distill-from', 'distill-temperature', 'distill-chars', 'seed'),
    ...STUDIO_OPTIONS,
  },
  run: async (values, io) => (required(values, 'model', 'train') === 'pixelcnn' ? trainImages(values, io) : trainText(values, io)),
};
