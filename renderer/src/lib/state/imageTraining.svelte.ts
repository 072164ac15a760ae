import type { ResultOf, RunDetail } from '../../../../core/protocol/messages.ts';
import { DEFAULT_IMAGE_LR } from '../../../../core/protocol/schemas.ts';
import { imageSource, imageTrainParams, pixelCnnProblems, type ImageTrainForm, type UploadedFile } from '../imageForm.ts';
import { notices } from './notices.svelte.ts';
import { imageRace } from './imageRace.svelte.ts';
import { imageRun } from './pixelSampling.svelte.ts';
import { TrainingJob } from './trainingJob.svelte.ts';
import { worker } from './worker.svelte.ts';
import { t } from '../i18n/index.svelte.ts';

export type ImagePreview = ResultOf<'images.preview'>;

/** Images the preview (and the digit picker) shows. */
export const PREVIEW_LIMIT = 64;

/** The Image lab's image model training (PixelCNN or masked image model): the form, the training images and their preview, the live job. */
class ImageTraining extends TrainingJob {
  form = $state<ImageTrainForm>({
    name: '',
    data: 'mnist',
    family: 'pixelcnn',
    binarization: 'threshold',
    channels: 32,
    residualBlocks: 3,
    hiddenOut: 32,
    steps: 500,
    batch: 16,
    lr: DEFAULT_IMAGE_LR,
    evalEvery: 50,
    evalBatches: 2,
    checkpointEvery: 100,
    seed: 1,
  });
  /** The PNG or IDX files the person opened. */
  files = $state.raw<UploadedFile[]>([]);
  preview = $state.raw<ImagePreview | null>(null);
  previewPhase = $state<'idle' | 'loading' | 'failed'>('idle');
  /** The source the shown preview is of ('mnist', or the opened files' names). */
  private previewKey = '';
  private previewRequest = 0;

  constructor() {
    super('images', 'images');
  }

  get modelProblems(): string[] {
    return pixelCnnProblems(this.form);
  }

  get uploadBytes(): number {
    return this.files.reduce((n, f) => n + f.bytes.byteLength, 0);
  }

  /** Reads the picked files (PNG images or IDX files) and previews them. */
  async openFiles(list: Iterable<File>): Promise<void> {
    const picked = [...list];
    if (picked.length === 0) return;
    const before = { files: this.files, data: this.form.data };
    try {
      this.files = await Promise.all(picked.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
      this.form.data = 'upload';
    } catch (err) {
      notices.error(err, t('training.couldNotReadFiles'));
      return;
    }
    await this.loadPreview(true);
    // Refused at once (the notice says why): the files are not kept as the training images.
    if (this.previewPhase === 'failed' && this.form.data === 'upload') {
      this.files = before.files;
      this.form.data = before.files.length ? before.data : 'mnist';
      await this.loadPreview(true);
    }
  }

  /** Shows the first images of the chosen source (again, with `force`). */
  async loadPreview(force = false): Promise<void> {
    const key = this.form.data === 'mnist' ? 'mnist' : `upload:${this.files.map((f) => `${f.name}/${f.bytes.byteLength}`).join('|')}`;
    if (!force && key === this.previewKey && this.preview) return;
    const source = imageSource(this.form.data, this.files);
    if (!source.ok) {
      this.preview = null;
      this.previewKey = '';
      this.previewPhase = 'idle';
      return;
    }
    const request = ++this.previewRequest;
    this.previewPhase = 'loading';
    try {
      const preview = await worker.request('images.preview', { source: source.source, limit: PREVIEW_LIMIT });
      if (request !== this.previewRequest) return;
      this.preview = preview;
      this.previewKey = key;
      this.previewPhase = 'idle';
    } catch (err) {
      if (request !== this.previewRequest) return;
      this.preview = null;
      this.previewKey = '';
      this.previewPhase = 'failed';
      notices.error(err, this.form.data === 'mnist' ? t('training.couldNotLoadMnist') : t('training.couldNotReadImages'));
    }
  }

  /**
   * Fills the form with a PixelCNN run's settings (to train it again with a change). A run
   * trained on opened files keeps the images chosen now: those files have to be opened again.
   * Returns what the person should know, or null.
   */
  useSettings(run: RunDetail): string | null {
    if (this.busy || (run.model.family !== 'pixelcnn' && run.model.family !== 'masked-image') || 'seq' in run.config) return null;
    const c = run.config;
    Object.assign(this.form, {
      name: '',
      family: run.model.family,
      binarization: c.binarization,
      channels: run.model.channels,
      ...(run.model.family === 'pixelcnn' ? { residualBlocks: run.model.residualBlocks } : {}),
      hiddenOut: run.model.hiddenOut,
      steps: c.steps,
      batch: c.batch,
      lr: c.lr,
      evalEvery: c.evalEvery,
      evalBatches: c.evalBatches,
      checkpointEvery: c.checkpointEvery,
      seed: c.seed,
    });
    if (c.data.kind === 'builtin') {
      this.form.data = 'mnist';
      return null;
    }
    return t('imageForm.reopenImages', { name: run.name, dataset: run.dataset });
  }

  async start(): Promise<void> {
    if (this.busy) return;
    const req = imageTrainParams($state.snapshot(this.form), this.files);
    if (!req.ok) {
      notices.error(new Error(req.message), t('training.checkSettings'));
      return;
    }
    await this.launch(() => worker.request('image.train.start', req.params), req.params.config.steps, t('training.couldNotStart'));
  }

  protected override attached(runId: string): void {
    // The completion panels sample PixelCNNs; a masked image run is picked in the image race.
    if (this.form.family === 'masked-image') imageRace.narRunId = runId;
    else imageRun.runId = runId;
  }
}

export const imageTraining = new ImageTraining();
