import { WorkerClient } from '../protocol/client.ts';
import { createPipePair } from '../protocol/transport.ts';
import { serveClient, type ServeOptions, type StudioLike } from './dispatcher.ts';

export interface InProcessClient {
  client: WorkerClient;
  /** Closes the connection; the Studio cancels the jobs this client started. */
  close(): void;
}

/**
 * A WorkerClient talking to a Studio in this process over an in-process pipe pair: the same
 * protocol (and the same validation) as the desktop app and web mode. Used by the CLI and tests.
 */
export function createInProcessClient(studio: StudioLike, options?: ServeOptions): InProcessClient {
  const [clientSide, workerSide] = createPipePair();
  const stop = serveClient(workerSide, studio, options);
  const client = new WorkerClient(clientSide);
  return {
    client,
    close() {
      client.close();
      stop();
    },
  };
}
