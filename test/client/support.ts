import type { CallConnected, CallInvite } from '@azure/communication-call-automation';
import type { Provider } from '@nestjs/common';
import {
  type AwaitableCallConnection,
  type AwaitableCallMedia,
  type CallAutomationModuleOptions,
  CallAutomationService,
  type EventProcessorService,
} from 'nestjs-call-automation';
import { AcsEmulator, type AcsEmulatorOptions } from 'nestjs-call-automation/testing';
import { afterAll, beforeAll, expect } from 'vitest';
import { type AdapterName, freePort, startApp, type TestApp } from '../support/app';

/** A phone number as the SDK takes it (`PhoneNumberIdentifier` of @azure/communication-common). */
export interface PhoneNumber {
  phoneNumber: string;
}

/** The party the app calls (and who calls in): a scripted phone. */
export const CALLER: PhoneNumber = { phoneNumber: '+15550100100' };
export const AGENT = { communicationUserId: '8:acs:resource_agent' };
export const SUPERVISOR = { communicationUserId: '8:acs:resource_supervisor' };
export const GREETING = { kind: 'fileSource' as const, url: 'https://example.com/greeting.wav' };

/** An app with the module wired to a running emulator, as a user would set it up. */
export interface ClientHarness {
  emulator: AcsEmulator;
  test: TestApp;
  calls: CallAutomationService;
  processor: EventProcessorService;
  /** The module's `callbackUri`: the app's own `api/callbacks`. */
  callbackUri: string;
  /** The app's Event Grid endpoint, for `emulator.placeIncomingCall({ url })`. */
  incomingCallUrl: string;
  /** How many operations the processor still waits for. */
  pendingOperations(): number;
  close(): Promise<void>;
}

export interface HarnessOptions {
  adapter?: AdapterName;
  /** Verify the emulator's signed callbacks (`auth: emulator.auth`). @default true */
  auth?: boolean;
  emulator?: AcsEmulatorOptions;
  /** More module options (they win over the harness's). */
  module?: Partial<CallAutomationModuleOptions>;
  providers?: Provider[];
}

/**
 * Starts the emulator, picks the app's port first (the module needs its own callback URL before
 * the app listens), then boots the app on it with
 * `CallAutomationModule.forRoot({ connectionString, clientOptions, callbackUri, auth })`.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<ClientHarness> {
  const emulator = await new AcsEmulator({
    eventDelayMs: 5,
    mediaDurationMs: 20,
    ...options.emulator,
  }).start();
  try {
    const { test, callbackUri } = await listenWithOwnUrl(emulator, options);
    const processor = test.processor;
    return {
      emulator,
      test,
      calls: test.app.get(CallAutomationService),
      processor,
      callbackUri,
      incomingCallUrl: test.url('api/incomingCall'),
      pendingOperations: () => processor.snapshot().pendingOperations,
      close: async () => {
        await test.close();
        await emulator.stop();
      },
    };
  } catch (error) {
    await emulator.stop();
    throw error;
  }
}

/**
 * Starts a harness for the describe block (beforeAll) and closes it after the block (afterAll),
 * expecting that the app logged no errors. The returned object is filled in `beforeAll`.
 */
export function useClientHarness(options: HarnessOptions = {}): ClientHarness {
  const harness = {} as ClientHarness;
  beforeAll(async () => {
    Object.assign(harness, await startHarness(options));
  });
  afterAll(async () => {
    expect(harness.test.logger.messages('error')).toEqual([]);
    await harness.close?.();
  });
  return harness;
}

/**
 * Boots the app on a port picked beforehand. Another process may take that port in between
 * (EADDRINUSE): then it tries another one.
 */
async function listenWithOwnUrl(
  emulator: AcsEmulator,
  options: HarnessOptions,
): Promise<{ test: TestApp; callbackUri: string }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const callbackUri = `http://127.0.0.1:${port}/api/callbacks`;
    try {
      const test = await startApp({
        port,
        ...(options.adapter !== undefined ? { adapter: options.adapter } : {}),
        options: {
          connectionString: emulator.connectionString,
          clientOptions: { allowInsecureConnection: true },
          callbackUri,
          ...(options.auth === false ? {} : { auth: emulator.auth }),
          ...options.module,
        },
        ...(options.providers !== undefined ? { providers: options.providers } : {}),
      });
      return { test, callbackUri };
    } catch (error) {
      const inUse = (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
      if (!inUse || attempt >= 3) throw error;
    }
  }
}

/** A call the app placed and that is connected, with its awaitable connection and media. */
export interface ConnectedCall {
  id: string;
  connected: CallConnected;
  connection: AwaitableCallConnection;
  media: AwaitableCallMedia;
}

/** `createCall` to `target` and await CallConnected (the seed's first flow). */
export async function connectedCall(
  harness: ClientHarness,
  target: CallInvite['targetParticipant'] = CALLER,
): Promise<ConnectedCall> {
  const call = await harness.calls.createCall({ targetParticipant: target });
  const outcome = await call.waitForEventProcessor({ timeoutMs: 10_000 });
  expect(outcome.isSuccess, 'the call connects').toBe(true);
  const connected = outcome.successResult;
  if (connected === undefined) throw new Error('CallConnected is missing');
  const id = connected.callConnectionId;
  return {
    id,
    connected,
    connection: harness.calls.getCallConnection(id),
    media: harness.calls.getCallMedia(id),
  };
}

/** The remote side hangs up (if the call is still on); resolves once the app has its CallDisconnected. */
export async function endCall(harness: ClientHarness, id: string): Promise<void> {
  const call = harness.emulator.calls.find((candidate) => candidate.callConnectionId === id);
  if (call === undefined || call.state === 'disconnected') return;
  await call.hangUp();
}

/** Resolves once `condition()` holds (checked after each turn of I/O); rejects after `timeoutMs`. */
export async function until(
  condition: () => boolean,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** What the SDK throws for an error answer (a RestError from @azure/core-rest-pipeline). */
export interface RestErrorShape {
  name: string;
  statusCode?: number;
  code?: string;
  message: string;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
