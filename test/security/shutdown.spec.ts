import 'reflect-metadata';
import { request as httpRequest } from 'node:http';
import { CallAutomationShutdownError } from 'nestjs-call-automation';
import { describe, expect, it } from 'vitest';
import { InFlightRequests } from '../../lib/webhook/in-flight-requests';
import { ADAPTERS, startApp } from '../support/app';
import { cloudEvent } from '../support/events';
import { useJwksServer } from './support';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 5_000) throw new Error('the condition did not come true within 5 s');
    await sleep(10);
  }
}

/** Starts a POST whose body is sent in two halves; `finish()` sends the second half. */
function slowUpload(url: string, body: string, headers: Record<string, string> = {}) {
  const bytes = Buffer.from(body);
  const half = Math.floor(bytes.length / 2);
  let finish: () => void = () => {};
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': bytes.length, ...headers },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    request.on('error', reject);
    request.write(bytes.subarray(0, half));
    finish = () => request.end(bytes.subarray(half));
  });
  return { answer, finish: () => finish() };
}

describe.each(ADAPTERS)('graceful shutdown on %s', (adapter) => {
  const env = useJwksServer();

  it('lets a slow upload in flight finish (its event settles its waiter), then rejects the other waiters', async () => {
    const test = await startApp({ adapter });
    const served = test.processor.waitForEvent({ callConnectionId: 'c1', kind: 'CallConnected' });
    const orphan = test.processor
      .waitForEvent({ callConnectionId: 'c1', kind: 'PlayCompleted' })
      .catch((caught: unknown) => caught);
    const upload = slowUpload(
      test.url('api/callbacks'),
      JSON.stringify([
        cloudEvent('CallConnected', { callConnectionId: 'c1', pad: 'x'.repeat(20_000) }),
      ]),
    );
    const inFlight = test.app.get(InFlightRequests);
    await until(() => inFlight.size === 1); // the first half is in
    let closed = false;
    const closing = test.close().then(() => {
      closed = true;
    });
    await sleep(200);
    expect(closed).toBe(false); // shutdown waits for the upload
    upload.finish();
    const answer = await upload.answer;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ received: 1, dispatched: 1, duplicates: 0 });
    await expect(served).resolves.toMatchObject({ kind: 'CallConnected' });
    await closing;
    const error = await orphan;
    expect(error).toBeInstanceOf(CallAutomationShutdownError);
    expect((error as Error).message).toMatch(/shutting down; stopped waiting for PlayCompleted/);
  });

  it('lets a request waiting for a slow key fetch finish', async () => {
    const test = await startApp({
      adapter,
      options: {
        auth: { audience: env.jwks.audience, issuer: env.jwks.issuer, jwksUri: env.jwks.jwksUri },
      },
    });
    const waiting = test.processor.waitForEvent({ callConnectionId: 'c2', kind: 'CallConnected' });
    env.jwks.delayMs = 600;
    try {
      const response = test.post(
        'api/callbacks',
        [cloudEvent('CallConnected', { callConnectionId: 'c2' })],
        {
          authorization: `Bearer ${await env.jwks.sign()}`,
        },
      );
      const hits = env.jwks.hits.keys;
      await until(() => env.jwks.hits.keys > hits); // the key fetch is under way
      const closing = test.close();
      expect((await response).status).toBe(200);
      await expect(waiting).resolves.toMatchObject({ callConnectionId: 'c2' });
      await closing;
    } finally {
      env.jwks.delayMs = 0;
    }
  });

  it('closes at once when nothing is in flight', async () => {
    const test = await startApp({ adapter });
    await test.post('api/callbacks', [cloudEvent('CallConnected')]);
    const started = Date.now();
    await test.close();
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
