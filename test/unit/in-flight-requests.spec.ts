import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { InFlightRequests } from '../../lib/webhook/in-flight-requests';
import { resolveWebhookRoutes } from '../../lib/webhook/webhook-routes';

const response = () => new EventEmitter();

describe('InFlightRequests', () => {
  it('drains at once when nothing is in flight', async () => {
    await expect(new InFlightRequests().drain(1_000)).resolves.toBe(true);
  });

  it('waits for the requests in flight when it began, not for later ones', async () => {
    const inFlight = new InFlightRequests();
    const [first, second, later] = [response(), response(), response()];
    inFlight.track(first);
    inFlight.track(second);
    let drained: boolean | undefined;
    const draining = inFlight.drain(5_000).then((result) => {
      drained = result;
    });
    inFlight.track(later);
    first.emit('close');
    await Promise.resolve();
    expect(drained).toBeUndefined();
    second.emit('close');
    await draining;
    expect(drained).toBe(true);
    expect(inFlight.size).toBe(1); // the later one, still open
    later.emit('close');
    expect(inFlight.size).toBe(0);
  });

  it('gives up after the grace period', async () => {
    const inFlight = new InFlightRequests();
    inFlight.track(response());
    await expect(inFlight.drain(20)).resolves.toBe(false);
  });

  it("counts POSTs to the module's own routes only, not the app's routes that end like them", () => {
    const server = new EventEmitter();
    const inFlight = new InFlightRequests();
    const routes = resolveWebhookRoutes(
      { webhookPath: 'webhook', incomingCallPath: 'api/incomingCall' },
      undefined,
      undefined,
    );
    inFlight.watch(server, routes);
    const request = (method: string, url: string) => {
      const answer = response();
      server.emit('request', { method, url }, answer);
      return answer;
    };
    request('POST', '/stripe/webhook');
    request('POST', '/v2/api/incomingCall?x=1');
    request('GET', '/webhook');
    expect(inFlight.size).toBe(0);
    request('POST', '/webhook?secret=s');
    request('POST', '/api/incomingCall/');
    expect(inFlight.size).toBe(2);
  });
});
