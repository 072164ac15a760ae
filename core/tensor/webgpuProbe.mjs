// Runs in a short-lived child process (so a driver that hangs or crashes cannot take the worker
// down): looks for a WebGPU adapter through Dawn (the `webgpu` package) and prints one JSON line.
const print = (result) => process.stdout.write(`${JSON.stringify(result)}\n`);

try {
  const { create } = await import('webgpu');
  const gpu = create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    print({ ok: false });
  } else {
    const info = adapter.info ?? {};
    const limits = {};
    for (const key of ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX']) {
      if (typeof adapter.limits?.[key] === 'number') limits[key] = adapter.limits[key];
    }
    print({
      ok: true,
      adapter: {
        vendor: String(info.vendor ?? ''),
        architecture: String(info.architecture ?? ''),
        device: String(info.device ?? ''),
        description: String(info.description ?? ''),
        features: [...(adapter.features ?? [])].map(String).sort(),
        limits,
      },
    });
  }
} catch (error) {
  print({ ok: false, error: String(error?.message ?? error).split('\n')[0] });
}
process.exit(0);
