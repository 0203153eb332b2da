import autocannon from 'autocannon';
import { callbackEvent } from './harness';

/**
 * Runs in its own process, so the load does not share an event loop with the server:
 * POSTs 1-event CloudEvent batches, each with a fresh id, and prints autocannon's figures.
 * Arguments: url, duration (s), connections.
 */
const [url, duration = '3', connections = '10'] = process.argv.slice(2);
if (!url) throw new Error('usage: load-generator <url> [durationSeconds] [connections]');

let call = 0;
function body(): string {
  return JSON.stringify([callbackEvent('PlayStarted', `call-${call++ % 5_000}`)]);
}

const instance = autocannon(
  {
    url,
    method: 'POST',
    connections: Number(connections),
    duration: Number(duration),
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request) => ({ ...request, body: body() }),
      },
    ],
  },
  (error, result) => {
    if (error) throw error;
    const failed = result.non2xx + result.errors + result.timeouts;
    console.log(
      JSON.stringify({
        requestsPerSecond: result.requests.average,
        total: result.requests.total,
        p50: result.latency.p50,
        p99: result.latency.p99,
        failed,
      }),
    );
  },
);
autocannon.track(instance, {
  renderProgressBar: false,
  renderResultsTable: false,
  renderLatencyTable: false,
});
