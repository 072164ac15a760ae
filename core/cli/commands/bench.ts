import type { Command } from '../command.ts';
import { stringFlags } from '../flags.ts';
import { str } from '../flagValues.ts';
import { chosenBackend } from '../studioAccess.ts';

export const benchCommand: Command = {
  summary: 'measure training and sampling speed, as ratios to PyTorch on the same machine',
  help: `Usage: ars bench [--only NAME[,NAME…]] [--torch] [--profile] [--compare | --compare-kernels K] [--json] [--backend NAME]

Measures training throughput and sampling latency of every model family on the active backend
(random data of fixed shapes, after warm-up, the median of repeats), with the peak resident
memory of the process that measured it. Takes a few minutes.

  --only NAMES        only these figures: an id (train.lstm, sample.nar.t10), a group (train,
                      sample) or a model (lstm, rnn, transformer, nar, pixelcnn); comma-separated
  --backend NAME      compute backend: tensorflow-gpu, webgpu, tensorflow, wasm, cpu or auto
                      (default: $ARS_BACKEND, else the best available)
  --in-process        run every job in this process (default: one child process each)
  --compare           also measure each figure with the project's kernels off (the stock
                      tfjs-wasm path) in the same process, and print the speed-up (slower)
  --compare-kernels K like --compare, but switch off only kernels K (comma-separated: gemm,
                      basic, conv, layernorm, gelu, attention, crossentropy, adam, rnn, decoders)
  --torch             then run the PyTorch reference (shared/bench/torch_bench.py beside the
                      repository, or $ARS_TORCH_BENCH; /usr/bin/python3 with python3-torch, or
                      $ARS_TORCH_PYTHON) on the same figures and print ours | PyTorch | ratio
  --profile           count time per kernel over the timed training steps and print, per job,
                      each kernel's share of the step, its copies, FLOPs, bytes, GFLOP/s, GB/s
  --json              machine-readable output (with --torch/--profile: torchReference, profiles)
  -h, --help          show this help`,
  options: {
    ...stringFlags('only', 'backend'),
    'in-process': { type: 'boolean' },
    compare: { type: 'boolean' },
    torch: { type: 'boolean' },
    profile: { type: 'boolean' },
    'compare-kernels': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  async run(values, io) {
    const backend = await chosenBackend(values, io);
    // Loaded on demand: the bench brings TensorFlow.js and every model.
    const { runBench } = await import('../bench/runBench.ts');
    const only = str(values, 'only');
    const compareKernels = str(values, 'compare-kernels');
    return runBench(
      {
        json: values.json === true,
        inProcess: values['in-process'] === true,
        compare: values.compare === true,
        torch: values.torch === true,
        profile: values.profile === true,
        ...(compareKernels ? { compareKernels: compareKernels.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
        ...(only !== undefined ? { only } : {}),
        ...(backend ? { backend } : {}),
      },
      io,
    );
  },
};
