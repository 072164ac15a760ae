import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { BUILTIN_IMAGE_SETS } from '../../data/imageSource.ts';
import { BUILTIN_CORPORA } from '../../data/source.ts';
import { RNN_DEFAULTS, TRANSFORMER_DEFAULTS } from '../../models/defaults.ts';
import { IMAGE_BINARIZATIONS, type ImageBinarization } from '../../data/binarization.ts';
import { DEFAULT_MASKED_IMAGE_CONFIG } from '../../models/maskedImageConfig.ts';
import { DEFAULT_PIXELCNN_CONFIG } from '../../models/pixelcnnConfig.ts';
import { DISTILL_DEFAULTS, DISTILL_MAX_CHARACTERS } from '../../generate/distillOptions.ts';
import { Methods, type ParamsOf } from '../../protocol/messages.ts';
import { DEFAULT_LEARNING_RATES, TrainConfig, type TrainConfigInput } from '../../train/config.ts';
import { ImageTrainConfig, type ImageTrainConfigInput } from '../../train/imageConfig.ts';
import type { Command } from '../command.ts';
import { UsageError, UserError } from '../exitStatus.ts';
import { STUDIO_HELP, STUDIO_OPTIONS, stringFlags, warnIgnored, type Values } from '../flags.ts';
import { checkAgainst, defined, intValue, optInt, optNumber, required, str } from '../flagValues.ts';
import { followTraining } from '../followTraining.ts';
import type { CliIo } from '../io.ts';
import { aRunOf, resolveRun } from '../runRef.ts';
import { withClient } from '../studioAccess.ts';
import type { PositionEncoding } from '../../models/positionEncoding.ts';
import { DEFAULT_LOCAL_CONTEXT } from '../../models/localContextConfig.ts';

const HELP = `Usage: ars train --model lstm|gru|rnn|transformer|nar|pixelcnn|masked-image --data sonnets|mnist|PATH --steps N [options]

Trains a new run and shows its progress. Ctrl-C cancels (the run keeps its last checkpoint).
On a terminal, what the model writes after each validation is printed above the progress bar.

  --model NAME        lstm, gru or rnn (recurrent), transformer (causal, autoregressive),
                      nar (mask-predict Transformer, non-autoregressive), pixelcnn (images,
                      autoregressive) or masked-image (images, non-autoregressive: mask-predict)
  --data SOURCE       text models: a built-in corpus (${BUILTIN_CORPORA.join(', ')}) or a UTF-8 text file;
                      image models: ${BUILTIN_IMAGE_SETS.join(', ')}, a folder of PNG images, or one PNG or IDX file
                      (write ./NAME for a file named like a built-in set)
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
  --positions NAME    nar position encoding: learned (default), sinusoidal or learnedSinusoidal
  --local-context N   nar: each position also sees its N nearest tokens on each side in its input (default ${DEFAULT_LOCAL_CONTEXT}; 0: none)
  --channels N        image model feature maps (default: pixelcnn ${DEFAULT_PIXELCNN_CONFIG.channels}, masked-image ${DEFAULT_MASKED_IMAGE_CONFIG.channels})
  --blocks N          PixelCNN masked 3×3 residual layers (default ${DEFAULT_PIXELCNN_CONFIG.residualBlocks})
  --first-kernel N    PixelCNN side of the first, type-A masked kernel: odd, 3-11 (default ${DEFAULT_PIXELCNN_CONFIG.firstKernel})
  --binarize HOW      image models: threshold (grey values cut at one half, default) or
                      stochastic (each pixel ink with probability its grey value, drawn
                      afresh every time; sets without grey values keep their bits)
  --lr X              peak learning rate (default ${DEFAULT_LEARNING_RATES.maskPredict} for nar, ${DEFAULT_LEARNING_RATES.transformer} otherwise)
  --name TEXT         a name for the run
  --distill-from RUN  sequence-level distillation: train on text that causal run (Transformer or RNN;
                      its id, a unique start or latest) writes first, in its vocabulary (--data defaults to that run's data);
                      a nar model, or a small transformer to draft for that run in ars race --drafter
  --distill-temperature X   its sampling temperature (default ${DISTILL_DEFAULTS.temperature})
  --distill-chars N   characters it writes (default: as many as it trained on, at most ${DISTILL_MAX_CHARACTERS})
  --seed N            random seed (default 1; also the distillation text's)
${STUDIO_HELP}

A flag the chosen model does not read (--heads for an lstm, --hidden for a transformer, --seq
for pixelcnn, --blocks for masked-image, …) is ignored with a warning on stderr. Progress goes to stderr, the outcome to stdout.

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
  'model.positions': '--positions',
  'model.localContext': '--local-context',
  data: '--data',
  'data.path': '--data',
  'data.name': '--data',
};

/** A Transformer's context when neither --context nor --seq is given: TrainConfig's default sequence length. */
const DEFAULT_CONTEXT = 64;

const MODELS: readonly string[] = ['lstm', 'gru', 'rnn', 'transformer', 'nar', 'pixelcnn', 'masked-image'];
const IMAGE_MODELS: readonly string[] = ['pixelcnn', 'masked-image'];
const unknownModel = (name: string) => new UsageError(`--model must be lstm, gru, rnn, transformer, nar, pixelcnn or masked-image (got '${name}')`);

/** Which flags each model reads, besides --data, --steps, --batch, --lr and --name: the rest it ignores. */
const MODEL_FLAGS: Record<string, readonly string[]> = {
  rnn: ['seq', 'hidden', 'embedding', 'layers'],
  transformer: ['seq', 'layers', 'd-model', 'heads', 'ffn', 'context'],
  nar: ['seq', 'layers', 'd-model', 'heads', 'ffn', 'context', 'positions', 'local-context'],
  pixelcnn: ['channels', 'blocks', 'first-kernel', 'binarize'],
  'masked-image': ['channels', 'binarize'],
};
/** What each model-specific flag is for, in warnings. */
const FLAG_USERS: Record<string, string> = {
  seq: 'text models',
  hidden: 'lstm, gru and rnn',
  embedding: 'lstm, gru and rnn',
  layers: 'lstm, gru, rnn, transformer and nar',
  'd-model': 'transformer and nar',
  heads: 'transformer and nar',
  ffn: 'transformer and nar',
  context: 'transformer and nar',
  positions: 'nar',
  'local-context': 'nar',
  channels: 'pixelcnn and masked-image',
  blocks: 'pixelcnn',
  'first-kernel': 'pixelcnn',
  binarize: 'pixelcnn and masked-image',
};

/** Warns about each given flag that `model` ignores. */
function warnIgnoredFlags(model: string, values: Values, io: CliIo): void {
  const family = model === 'lstm' || model === 'gru' ? 'rnn' : model;
  const reads = MODEL_FLAGS[family] ?? [];
  const ignored = Object.fromEntries(Object.entries(FLAG_USERS).filter(([flag]) => !reads.includes(flag)));
  warnIgnored(values, io, ignored, `for ${aRunOf(model).replace(/ run$/, ' model')}`);
}

const isBuiltinCorpus = (raw: string) => (BUILTIN_CORPORA as readonly string[]).includes(raw);
const isBuiltinImageSet = (raw: string) => (BUILTIN_IMAGE_SETS as readonly string[]).includes(raw);
const TEXT_DATA = `use --data ${BUILTIN_CORPORA.join(' or ')} or a UTF-8 text file`;
const IMAGE_DATA = `use --data ${BUILTIN_IMAGE_SETS.join(' or ')} or a PNG folder / IDX file`;

function dataSource(raw: string, model: string, cwd: string): TrainConfigInput['data'] {
  if (isBuiltinCorpus(raw)) return { kind: 'builtin', name: raw as (typeof BUILTIN_CORPORA)[number] };
  if (isBuiltinImageSet(raw)) throw new UsageError(`${raw} is an image set; ${model} trains on text: ${TEXT_DATA}`);
  return { kind: 'file', path: resolve(cwd, raw) };
}

/** The --data path (once the flags are checked): there, and of the kind the model trains on. */
function checkDataPath(data: { kind: string; path?: string }, model: string): void {
  if (data.path === undefined) return;
  const path = data.path;
  if (!existsSync(path)) throw new UserError(`--data: file not found: ${path}`);
  const folder = statSync(path).isDirectory();
  if (!IMAGE_MODELS.includes(model) && folder) throw new UserError(`--data: ${path} is a folder; ${model} trains on text: ${TEXT_DATA}`);
  if (IMAGE_MODELS.includes(model) && !folder && /\.(txt|text|md|csv|json)$/i.test(path)) {
    throw new UserError(`--data: ${path} is a text file; ${model} trains on images: ${IMAGE_DATA}`);
  }
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
      ...(name === 'nar' && str(values, 'positions') !== undefined ? { positions: str(values, 'positions') as PositionEncoding } : {}),
      ...(name === 'nar' && str(values, 'local-context') !== undefined ? { localContext: intValue('local-context', str(values, 'local-context')!) } : {}),
    };
  }
  throw unknownModel(name);
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

async function trainText(modelName: string, values: Values, io: CliIo): Promise<number> {
  const model = modelChoice(modelName, values);
  const distillFrom = distillRequest(values);
  const data = distillFrom ? str(values, 'data') : required(values, 'data', 'train');
  const steps = intValue('steps', required(values, 'steps', 'train'));
  const config = (source: TrainConfigInput['data']): TrainConfigInput =>
    defined({ model, data: source, steps, batch: optInt(values, 'batch'), seq: optInt(values, 'seq'), lr: optNumber(values, 'lr'), seed: optInt(values, 'seed') });
  // Checked before any worker starts; a distilled run's data is its AR run's, looked up below.
  const checked = config(data ? dataSource(data, modelName, io.cwd) : { kind: 'builtin', name: BUILTIN_CORPORA[0] });
  // A Transformer's context is --seq when --context is not given: blame the flag that was.
  const contextFlag = str(values, 'context') === undefined && str(values, 'seq') !== undefined ? '--seq' : '--context';
  checkAgainst(TrainConfig, checked, { ...TRAIN_FLAGS, 'model.context': contextFlag });
  if (data) checkDataPath(checked.data, modelName);
  const name = str(values, 'name');
  return withClient(values, io, async (client) => {
    const teacher = distillFrom && { ...distillFrom, runId: (await resolveRun(client, distillFrom.runId, '--distill-from')).id };
    const source = data ? dataSource(data, modelName, io.cwd) : ((await client.request('runs.get', { runId: teacher!.runId })).config.data as TrainConfigInput['data']);
    const params: ParamsOf<'train.start'> = defined({ config: config(source), name, distillFrom: teacher });
    return followTraining(client, () => client.request('train.start', params), values, io);
  });
}

function imageSource(raw: string, model: string, cwd: string): ImageTrainConfigInput['data'] {
  if (isBuiltinImageSet(raw)) return { kind: 'builtin', name: raw as (typeof BUILTIN_IMAGE_SETS)[number] };
  if (isBuiltinCorpus(raw)) throw new UsageError(`${raw} is a text corpus; ${model} trains on images: ${IMAGE_DATA}`);
  const path = resolve(cwd, raw);
  return existsSync(path) && statSync(path).isDirectory() ? { kind: 'folder', path } : { kind: 'file', path };
}

function imageModelChoice(model: string, values: Values): ImageTrainConfigInput['model'] {
  if (model === 'masked-image') return { ...DEFAULT_MASKED_IMAGE_CONFIG, channels: optInt(values, 'channels') ?? DEFAULT_MASKED_IMAGE_CONFIG.channels };
  return {
    ...DEFAULT_PIXELCNN_CONFIG,
    channels: optInt(values, 'channels') ?? DEFAULT_PIXELCNN_CONFIG.channels,
    residualBlocks: optInt(values, 'blocks') ?? DEFAULT_PIXELCNN_CONFIG.residualBlocks,
    firstKernel: optInt(values, 'first-kernel') ?? DEFAULT_PIXELCNN_CONFIG.firstKernel,
  };
}

async function trainImages(model: string, values: Values, io: CliIo): Promise<number> {
  const binarize = str(values, 'binarize');
  if (binarize !== undefined && !(IMAGE_BINARIZATIONS as readonly string[]).includes(binarize)) {
    throw new UsageError(`--binarize must be ${IMAGE_BINARIZATIONS.join(' or ')} (got '${binarize}')`);
  }
  const config: ImageTrainConfigInput = defined({
    model: imageModelChoice(model, values),
    data: imageSource(required(values, 'data', 'train'), model, io.cwd),
    steps: intValue('steps', required(values, 'steps', 'train')),
    batch: optInt(values, 'batch'),
    lr: optNumber(values, 'lr'),
    binarization: binarize as ImageBinarization | undefined,
  });
  checkAgainst(ImageTrainConfig, config, { steps: '--steps', batch: '--batch', lr: '--lr', 'model.channels': '--channels', 'model.residualBlocks': '--blocks', 'model.firstKernel': '--first-kernel', data: '--data' });
  checkDataPath(config.data, model);
  const name = str(values, 'name');
  return withClient(values, io, (client) =>
    followTraining(client, () => client.request('image.train.start', name === undefined ? { config } : { config, name }), values, io),
  );
}

export const trainCommand: Command = {
  summary: 'train a new model: character-level text, or images (PixelCNN, masked image model)',
  help: HELP,
  options: {
    ...stringFlags('model', 'data', 'steps', 'batch', 'seq', 'hidden', 'embedding', 'layers', 'd-model', 'heads', 'ffn', 'context', 'positions', 'local-context', 'channels', 'blocks', 'first-kernel', 'binarize', 'lr', 'name'),
    ...stringFlags('distill-from', 'distill-temperature', 'distill-chars', 'seed'),
    ...STUDIO_OPTIONS,
  },
  async run(values, io) {
    const model = required(values, 'model', 'train');
    if (!MODELS.includes(model)) throw unknownModel(model);
    warnIgnoredFlags(model, values, io);
    return IMAGE_MODELS.includes(model) ? trainImages(model, values, io) : trainText(model, values, io);
  },
};
