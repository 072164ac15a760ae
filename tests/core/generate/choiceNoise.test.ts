import { describe, expect, it } from 'vitest';
import { choiceNoiseAfter, choiceRank, choiceStream } from '../../../core/generate/choiceNoise.ts';
import { createRng } from '../../../core/rng.ts';

describe('choice noise (MaskGIT)', () => {
  it('fades linearly to nothing by the last pass', () => {
    expect(choiceNoiseAfter(2, 0, 8)).toBe(2);
    expect(choiceNoiseAfter(2, 4, 8)).toBe(1);
    expect(choiceNoiseAfter(2, 8, 8)).toBe(0);
    expect(choiceNoiseAfter(0, 1, 8)).toBe(0);
  });

  it('at scale 0 ranks by log confidence and draws nothing; above, adds scale × a Gumbel draw', () => {
    const rng = choiceStream(3);
    const before = choiceStream(3).next();
    expect(choiceRank(0.25, 0, rng)).toBe(Math.log(0.25));
    expect(rng.next()).toBe(before); // nothing was drawn
    const a = choiceStream(4);
    const b = choiceStream(4);
    const u = b.next();
    expect(choiceRank(0.5, 3, a)).toBeCloseTo(Math.log(0.5) + 3 * -Math.log(-Math.log(u)), 12);
    // Standard Gumbel: mean ≈ 0.5772 (Euler–Mascheroni)
    const g = choiceStream(5);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += choiceRank(1, 1, g);
    expect(sum / 20_000).toBeCloseTo(0.5772, 1);
  });

  it('has its own stream: not the sampling seed’s', () => {
    expect(choiceStream(7).next()).not.toBe(createRng(7).next());
  });
});
