import { type ParamsOf, type RunDetail } from '../../../../core/protocol/messages.ts';
import { distillSources } from '../distillSources.ts';
import { errorSentence } from '../../../../core/protocol/validationMessages.ts';
import { paramsProblem } from '../messages.ts';
import { errorText } from '../i18n/validation.ts';
import { DEFAULT_MODEL_FIELDS, learningRateForFamily, modelChoice, modelFields, modelProblems, type ModelFamily, type ModelFields } from '../modelForm.ts';
import { DEFAULT_LEARNING_RATES } from '../../../../core/protocol/schemas.ts';
import { notices } from './notices.svelte.ts';
import { runs } from './runs.svelte.ts';
import { sampling } from './sampling.svelte.ts';
import { TrainingJob } from './trainingJob.svelte.ts';
import { worker } from './worker.svelte.ts';
import { t } from '../i18n/index.svelte.ts';

type TrainConfigInput = ParamsOf<'train.start'>['config'];
export type Cell = Extract<TrainConfigInput['model'], { family: 'rnn' }>['cell'];
export type Corpus = { name: string; chars: number; description: string };

/**
 * What the training form holds. `corpus` is a built-in corpus name, or UPLOAD for the picked
 * file; the model fields of every family are kept, so switching family and back loses nothing.
 */
export interface TrainForm extends ModelFields {
  name: string;
  corpus: string;
  steps: number;
  batch: number;
  seq: number;
  lr: number;
  evalEvery: number;
  checkpointEvery: number;
  seed: number;
  /** NAR models: the AR run to distil from ('' = train on the text itself). */
  distillFrom: string;
}

export const UPLOAD = '\u0000upload';

export type { TrainPhase } from './trainingJob.svelte.ts';

/** The Text lab's training form, and its one live training job with its curves and progress. */
class Training extends TrainingJob {
  form = $state<TrainForm>({
    name: '',
    corpus: 'sonnets',
    ...DEFAULT_MODEL_FIELDS,
    steps: 500,
    batch: 32,
    seq: 64,
    lr: DEFAULT_LEARNING_RATES[DEFAULT_MODEL_FIELDS.family],
    evalEvery: 50,
    checkpointEvery: 200,
    seed: 1,
    distillFrom: '',
  });
  corpora = $state.raw<Corpus[]>([]);
  /** The text file the person opened, if any. */
  upload = $state.raw<{ name: string; bytes: Uint8Array<ArrayBuffer> } | null>(null);

  constructor() {
    super('tokens', 'lab');
  }

  /** Chooses the model family, and with it the learning rate's default (learningRateForFamily). */
  setFamily(family: ModelFamily): void {
    this.form.lr = learningRateForFamily(this.form.lr, this.form.family, family);
    this.form.family = family;
  }

  /** What is wrong with the model fields, in sentences (empty when nothing is). */
  get modelProblems(): string[] {
    return modelProblems(this.form, this.form.seq);
  }

  /** The problems no single field shows beside itself (d_model and heads, context and sequence). */
  get crossFieldProblems(): string[] {
    return modelProblems(this.form, this.form.seq, { crossFieldOnly: true });
  }

  /** The chosen built-in corpus, if one is chosen. */
  get corpus(): Corpus | undefined {
    return this.corpora.find((c) => c.name === this.form.corpus);
  }

  /** The runs the new model may be distilled from: causal text runs of the chosen text with a checkpoint. */
  get distillSources() {
    const dataset = this.form.corpus === UPLOAD ? (this.upload?.name ?? null) : this.form.corpus;
    return distillSources(runs.list, dataset);
  }

  async loadCorpora(): Promise<void> {
    try {
      this.corpora = await worker.request('corpora.list', {});
      if (this.form.corpus !== UPLOAD && !this.corpora.some((c) => c.name === this.form.corpus) && this.corpora[0]) {
        this.form.corpus = this.corpora[0].name;
      }
    } catch (err) {
      notices.error(err, t('training.couldNotListCorpora'));
    }
  }

  /** Why the last file opened was refused (shown beside the corpus box), or null. */
  uploadProblem = $state<string | null>(null);
  /** A file being checked by the worker. */
  checking = $state<string | null>(null);

  /**
   * Opens a text file: the worker checks it at once (the same checks as training's) and an empty,
   * binary or wrong-kind file is refused there with the reason, never listed as a corpus.
   */
  async openFile(file: File): Promise<void> {
    this.uploadProblem = null;
    this.checking = file.name;
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const checked = await worker.request('datasets.checkText', { name: file.name, bytes });
      this.upload = { name: file.name, bytes };
      this.form.corpus = UPLOAD;
      for (const n of checked.notices) notices.info(n);
    } catch (err) {
      this.uploadProblem = errorSentence(null, err instanceof Error ? err.message : String(err), t('trainForm.uploadRefused', { name: file.name }), errorText());
    } finally {
      this.checking = null;
    }
  }

  /** The request the form describes, checked against the protocol's own schema. */
  private buildRequest(): { ok: true; params: ParamsOf<'train.start'> } | { ok: false; message: string } {
    const f = $state.snapshot(this.form);
    let data: TrainConfigInput['data'];
    if (f.corpus !== UPLOAD) data = { kind: 'builtin', name: f.corpus as 'sonnets' }; // the schema checks the name
    else if (this.upload) data = { kind: 'upload', name: this.upload.name, bytes: this.upload.bytes };
    else return { ok: false, message: t('trainForm.openTextFirst') };
    const problems = modelProblems(f, f.seq);
    if (problems.length) return { ok: false, message: problems[0]! };
    const distill = this.distillSources.some((r) => r.id === f.distillFrom);
    const params = {
      name: f.name.trim() || undefined,
      ...(distill ? { distillFrom: { runId: f.distillFrom } } : {}),
      config: {
        model: modelChoice(f, f.seq),
        data,
        steps: f.steps,
        batch: f.batch,
        seq: f.seq,
        lr: f.lr,
        evalEvery: f.evalEvery,
        checkpointEvery: f.checkpointEvery,
        seed: f.seed,
      },
    };
    const problem = paramsProblem('train.start', params);
    if (problem) return { ok: false, message: problem };
    return { ok: true, params };
  }

  /**
   * Fills the form with a text run's settings (to train it again with a change). A run trained on
   * a file keeps the text chosen now: the file has to be opened again. Returns what the person
   * should know, or null.
   */
  useSettings(run: RunDetail): string | null {
    if (this.busy || run.model.family === 'pixelcnn' || run.model.family === 'masked-image' || !('seq' in run.config)) return null;
    const c = run.config;
    Object.assign(this.form, modelFields(run.model), {
      name: '',
      steps: c.steps,
      batch: c.batch,
      seq: c.seq,
      lr: c.lr,
      evalEvery: c.evalEvery,
      checkpointEvery: c.checkpointEvery,
      seed: c.seed,
      distillFrom: run.distillFrom?.runId ?? '',
    });
    if (c.data.kind === 'builtin') {
      this.form.corpus = c.data.name;
      return null;
    }
    return t('trainForm.reopenFile', { name: run.name, dataset: run.dataset });
  }

  async start(): Promise<void> {
    if (this.busy) return;
    const req = this.buildRequest();
    if (!req.ok) {
      notices.error(new Error(req.message), t('training.checkSettings'));
      return;
    }
    await this.launch(() => worker.request('train.start', req.params), req.params.config.steps, t('training.couldNotStart'));
  }

  protected override attached(runId: string): void {
    sampling.runId = runId;
  }
}

export const training = new Training();
