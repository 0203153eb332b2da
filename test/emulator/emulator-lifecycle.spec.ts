import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CallAutomationClient } from '@azure/communication-call-automation';
import { AcsEmulator } from 'nestjs-call-automation/testing';
import { describe, expect, it } from 'vitest';

/** Handles that would keep a process alive (sockets, servers, timers). */
function openHandles(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((name) => ['TCPSocketWrap', 'TCPServerWrap', 'Timeout'].includes(name))
    .sort();
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe('AcsEmulator: lifecycle', () => {
  it('stop() ends everything: server, pending events, deliveries in flight, waits', async () => {
    const baseline = openHandles();
    // An app that takes every callback and never answers.
    const hanging: Server = createServer(() => {});
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const appUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/callbacks`;

    const emulator = await new AcsEmulator({ eventDelayMs: 1, callbackTimeoutMs: 60_000 }).start();
    const client = new CallAutomationClient(emulator.connectionString, {
      allowInsecureConnection: true,
    });
    emulator.script.party('+15550100100', { answerAfterMs: 60_000 });
    await client.createCall({ targetParticipant: { phoneNumber: '+15550100101' } }, appUrl);
    await client.createCall({ targetParticipant: { phoneNumber: '+15550100100' } }, appUrl);
    const pendingWait = emulator
      .waitForDelivery({ kind: 'PlayCompleted' }, 60_000)
      .catch((error: unknown) => error as Error);
    // The first call's CallConnected is on its way to an app that never answers.
    await until(() => emulator.calls.some((call) => call.state === 'connected'));

    const started = Date.now();
    await emulator.stop();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await pendingWait).toMatchObject({ message: expect.stringMatching(/stopped/) });
    expect(() => emulator.connectionString).toThrow(/stopped/);
    await expect(emulator.start()).rejects.toThrow(/cannot start again/);

    hanging.closeAllConnections();
    await new Promise<void>((resolve) => hanging.close(() => resolve()));
    await until(() => openHandles().length <= baseline.length);
  });

  it('start() twice is harmless; stop() before start() too', async () => {
    const idle = new AcsEmulator();
    await idle.stop();
    const emulator = new AcsEmulator({ port: 0, host: '127.0.0.1' });
    await emulator.start();
    const endpoint = emulator.endpoint;
    await emulator.start();
    expect(emulator.endpoint).toBe(endpoint);
    await emulator.stop();
    await emulator.stop();
  });
});
