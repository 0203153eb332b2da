import {
  CallAutomationClient,
  type CallConnection,
  parseCallAutomationEvent,
} from '@azure/communication-call-automation';
import {
  AcsEmulator,
  type AcsEmulatorOptions,
  CallbackCollector,
  type CollectedEvent,
} from 'nestjs-call-automation/testing';
import { afterEach, beforeEach, expect } from 'vitest';

/** What the SDK throws for an error answer (a RestError from @azure/core-rest-pipeline). */
export interface RestError {
  name: string;
  statusCode?: number;
  code?: string;
  message: string;
}

/** The party the tests call: a scripted phone. */
export const CALLER = { phoneNumber: '+15550100100' };
export const AGENT = { communicationUserId: '8:acs:resource_agent' };
export const GREETING = { kind: 'fileSource' as const, url: 'https://example.com/greeting.wav' };

/** What each test of a `useEmulatorClient` block works with, fresh per test. */
export interface EmulatorClient {
  emulator: AcsEmulator;
  /** Receives the emulator's callbacks. */
  app: CallbackCollector;
  /** The real SDK, pointed at the emulator. */
  client: CallAutomationClient;
}

export interface EmulatorClientOptions {
  /** Event types the after-each check does not parse (the SDK's parser does not know them). */
  unparsedTypes?: readonly string[];
}

/**
 * Before each test, starts an emulator with `emulatorOptions`, a CallbackCollector and an SDK
 * client; after each, expects every delivered event to parse with the SDK, then stops both.
 * The returned object's members are replaced before each test.
 */
export function useEmulatorClient(
  emulatorOptions: AcsEmulatorOptions,
  options: EmulatorClientOptions = {},
): EmulatorClient {
  const env = {} as EmulatorClient;
  beforeEach(async () => {
    env.emulator = await new AcsEmulator({ ...emulatorOptions }).start();
    env.app = await CallbackCollector.start();
    env.client = new CallAutomationClient(env.emulator.connectionString, {
      allowInsecureConnection: true,
    });
  });
  afterEach(async () => {
    expectParsable(env.app.events, options.unparsedTypes ?? []);
    await env.emulator.stop();
    await env.app.close();
  });
  return env;
}

/** A connected 1:1 call with CALLER, once its first ParticipantsUpdated arrived. */
export async function connectedCall(
  env: EmulatorClient,
): Promise<{ id: string; connection: CallConnection }> {
  const result = await env.client.createCall({ targetParticipant: CALLER }, env.app.url());
  const id = result.callConnectionProperties.callConnectionId ?? '';
  await env.app.waitForEvent({ kind: 'ParticipantsUpdated', callConnectionId: id });
  return { id, connection: result.callConnection };
}

/** Every delivered event must parse with the SDK to the kind its type names. */
function expectParsable(events: readonly CollectedEvent[], unparsedTypes: readonly string[]): void {
  for (const { event } of events) {
    if (unparsedTypes.includes(event.type)) continue;
    const parsed = parseCallAutomationEvent(structuredClone(event));
    expect(`Microsoft.Communication.${parsed.kind}`).toBe(event.type);
  }
}
