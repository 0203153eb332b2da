import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';

/**
 * Runs in its own process, so the load does not share an event loop with the server:
 * POSTs 1-event CloudEvent batches, each with a fresh id, and prints autocannon's figures.
 * Arguments: url, duration (s), connections.
 */
const [url, duration = '3', connections = '10'] = process.argv.slice(2);
if (!url) throw new Error('usage: load-generator <url> [durationSeconds] [connections]');

let call = 0;
function body(): string {
  const callConnectionId = `call-${call++ % 5_000}`;
  return JSON.stringify([
    {
      id: randomUUID(),
      source: `calling/callConnections/${callConnectionId}`,
      type: 'Microsoft.Communication.PlayStarted',
      specversion: '1.0',
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: {
        callConnectionId,
        serverCallId: 'server-call-id',
        correlationId: 'correlation-id',
        operationContext: 'op',
        resultInformation: { code: 200, subCode: 0, message: 'Action completed successfully.' },
      },
    },
  ]);
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
