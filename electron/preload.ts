import { ipcRenderer } from 'electron';

/**
 * Sandboxed preload: it exposes nothing. Main sends the worker's MessagePort on 'worker-port'
 * (again after a worker restart); it is handed to the page as a window message, and the page
 * wraps it in a MessagePipe (renderer/src/lib/connection.ts).
 */
ipcRenderer.on('worker-port', (event) => {
  window.postMessage('ars-worker-port', '*', event.ports);
});
