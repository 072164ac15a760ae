import { IMAGE_PIXELS, IMAGE_SIDE } from '../data/imageSet.ts';
import { ConfigError } from '../errors.ts';
import { raceImages } from '../generate/imageRace.ts';
import type { ImageRaceOptions } from '../generate/imageRaceOptions.ts';
import type { KnownPixels } from '../generate/pixelcnnOptions.ts';
import { MaskedImageModel } from '../models/maskedImage.ts';
import { PixelCnnModel } from '../models/pixelcnn.ts';
import { loadTrainedModel } from '../runs/modelRestore.ts';
import type { RunStore } from '../runs/runStore.ts';
import type { BackendChoice } from './backendChoice.ts';
import { cancellableJob, type UnpausableJob } from './job.ts';

/**
 * The image race as a job: a PixelCNN run and a masked image run, each at its newest good
 * checkpoint, complete the same known pixels K ways (core/generate/imageRace.ts); frames stream
 * as each lane draws, then each lane's figures. A job that cannot pause.
 */
export class ImageRaceJobs {
  constructor(
    private readonly store: RunStore,
    private readonly backend: BackendChoice,
  ) {}

  async race(arRunId: string, narRunId: string, options: ImageRaceOptions, known: KnownPixels): Promise<UnpausableJob> {
    await this.backend.info();
    if (known.values.length !== IMAGE_PIXELS || known.mask.length !== IMAGE_PIXELS) {
      throw new ConfigError(`known pixels must cover a ${IMAGE_SIDE}×${IMAGE_SIDE} image (${IMAGE_PIXELS} values and ${IMAGE_PIXELS} mask entries)`);
    }
    const arRun = await this.store.open(arRunId);
    const narRun = await this.store.open(narRunId);
    const arModel = arRun.meta.model;
    const narModel = narRun.meta.model;
    if (arModel.family !== 'pixelcnn') throw new ConfigError(`run ${arRunId} is not a PixelCNN: the image race's autoregressive side needs a PixelCNN run`);
    if (narModel.family !== 'masked-image') throw new ConfigError(`run ${narRunId} is not a masked image model: the image race's non-autoregressive side needs one`);
    const ar = await loadTrainedModel(arRun, () => new PixelCnnModel(arModel));
    let nar: Awaited<ReturnType<typeof loadTrainedModel<MaskedImageModel>>>;
    try {
      nar = await loadTrainedModel(narRun, () => new MaskedImageModel(narModel));
    } catch (err) {
      ar.model.dispose();
      throw err;
    }
    const dispose = () => {
      ar.model.dispose();
      nar.model.dispose();
    };
    return cancellableJob('race', arRunId, [...ar.notices, ...nar.notices], dispose, async function* (signal) {
      let lanes = 0;
      for await (const e of raceImages(ar.model, nar.model, { ...options, known, signal })) {
        if (e.kind === 'frame') {
          yield { kind: 'image-race-frame', lane: e.lane, images: e.images as Uint8Array<ArrayBuffer>, pending: e.pending as Uint8Array<ArrayBuffer>, passes: e.passes, laneMs: e.laneMs };
        } else if (e.kind === 'lane') {
          const { images, ...figures } = e.result;
          yield { kind: 'image-race-lane', ...figures, images: images as Uint8Array<ArrayBuffer> };
        } else {
          lanes = e.lanes.length;
          yield { kind: 'image-race-results', lanes: e.lanes.map(({ images: _images, ...figures }) => figures) };
        }
      }
      yield {
        kind: 'done',
        reason: signal.aborted ? 'cancelled' : 'completed',
        summary: { arRunId, narRunId, lanes, arCheckpointStep: ar.checkpointStep, narCheckpointStep: nar.checkpointStep },
      };
    });
  }
}
