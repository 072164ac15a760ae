import { WorkerError, type WorkerClient } from '../../../../core/protocol/client.ts';
import type { BackendInfo, MethodName, ParamsOf, ResultOf } from '../../../../core/protocol/messages.ts';
import { connectToWorker, type Connection, type ConnectionEvent, type TransportKind } from '../connection.ts';
import { notices } from './notices.svelte.ts';
import { t } from '../i18n/index.svelte.ts';

export type ConnectionStatus = 'connecting' | 'connected' | 'disconnected' | 'failed';

/** The connection to the worker as the UI sees it: status, backend info, and requests. */
class WorkerState {
  status = $state<ConnectionStatus>('connecting');
  transport = $state<TransportKind | null>(null);
  info = $state.raw<BackendInfo | null>(null);
  /** Bumped on every new client; stores reload what they show when it changes. */
  generation = $state(0);

  private client: WorkerClient | null = null;
  private connection: Connection | null = null;
  private readonly connectedListeners = new Set<() => void>();

  start(): void {
    if (this.connection) return;
    this.connection = connectToWorker((e) => this.handle(e));
    this.transport = this.connection.transport;
  }

  /** Runs `listener` after every (re)connection. */
  onConnected(listener: () => void): () => void {
    this.connectedListeners.add(listener);
    return () => this.connectedListeners.delete(listener);
  }

  request<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    if (!this.client) return Promise.reject(new WorkerError('DISCONNECTED', t('connection.notConnected')));
    return this.client.request(method, params);
  }

  /** The current client, for job event subscriptions. */
  get currentClient(): WorkerClient | null {
    return this.client;
  }

  private handle(e: ConnectionEvent): void {
    switch (e.type) {
      case 'connected':
        this.client = e.client;
        this.status = 'connected';
        this.generation += 1;
        if (e.kind === 'restarted') notices.info(t('connection.restarted'));
        if (e.kind === 'reconnected') notices.info(t('connection.reconnected'));
        void this.loadInfo();
        for (const l of [...this.connectedListeners]) l();
        break;
      case 'disconnected':
        this.client = null;
        this.status = 'disconnected';
        notices.info(e.message);
        break;
      case 'failed':
        this.client = null;
        this.status = 'failed';
        notices.error(new WorkerError('DISCONNECTED', e.message));
        break;
    }
  }

  /** True while a backend switch is in flight. */
  switching = $state(false);

  /**
   * Switches the compute backend ('auto' = the best available) and remembers it on this machine.
   * An unavailable choice falls back down the ladder, and the user is told why.
   */
  async setBackend(prefer: string): Promise<void> {
    this.switching = true;
    try {
      const info = await this.request('backend.set', { prefer });
      this.info = info;
      if (prefer !== 'auto' && info.backend !== prefer) {
        const reason = info.rungs.find((r) => r.name === prefer)?.reason ?? t('connection.notAvailable');
        notices.info(t('connection.backendFallback', { prefer, reason, backend: info.backend }));
      }
    } catch (err) {
      notices.error(err, t('connection.switchFailed'));
    } finally {
      this.switching = false;
    }
  }

  private async loadInfo(): Promise<void> {
    try {
      this.info = await this.request('info', {});
    } catch (err) {
      notices.error(err, t('connection.readFailed'));
    }
  }
}

export const worker = new WorkerState();
