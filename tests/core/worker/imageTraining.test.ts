import { describe, expect, it } from 'vitest';
import { ImageTrainConfig } from '../../../core/train/imageConfig.ts';
import { runTestNll } from '../../../core/worker/imageTraining.ts';

describe('the stochastic test NLL of a run', () => {
  it('is not available for a set without grey values, and says why', async () => {
    const config = ImageTrainConfig.parse({ model: { family: 'pixelcnn', channels: 8, residualBlocks: 1 }, data: { kind: 'folder', path: '/tmp/my-digits' }, steps: 1 });
    // The model is never asked: nothing is measured.
    const model = { meanLoss: () => Promise.reject(new Error('not to be called')) } as unknown as Parameters<typeof runTestNll>[0];
    const t = await runTestNll(model, config, 'my-digits');
    expect(t).toEqual({ unavailable: expect.stringMatching(/grey values: "my-digits" has only bits/) });
  });
});
