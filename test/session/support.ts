import type { CallSession } from 'nestjs-call-automation';
import { type ClientHarness, type PhoneNumber, until } from '../client/support';

let callers = 0;

/** A callee of its own for the test, scripted before the call (its party joins with the call). */
export function scriptedParty(
  harness: ClientHarness,
  script: Parameters<ClientHarness['emulator']['script']['party']>[1] = {},
): PhoneNumber {
  callers += 1;
  const party = { phoneNumber: `+1555030${String(callers).padStart(4, '0')}` };
  harness.emulator.script.party(party.phoneNumber, script);
  return party;
}

/** The remote side hangs up; resolves once the app has its CallDisconnected. */
export async function remoteHangUp(harness: ClientHarness, call: CallSession): Promise<void> {
  const emulated = harness.emulator.call(call.callConnectionId);
  if (emulated.state !== 'disconnected') await emulated.hangUp();
}

/** Resolves once the processor holds nothing for any call (sessions leave nothing behind). */
export function untilProcessorIsEmpty(harness: ClientHarness): Promise<void> {
  return until(
    () => {
      const snapshot = harness.processor.snapshot();
      return (
        snapshot.pendingWaiters === 0 &&
        snapshot.pendingOperations === 0 &&
        snapshot.callsWithOngoingHandlers === 0
      );
    },
    `the processor holds nothing (${JSON.stringify(harness.processor.snapshot())})`,
  );
}

/** Ends every call still on in the emulator (so that one failed test does not leak into the next). */
export async function hangUpAll(harness: ClientHarness): Promise<void> {
  for (const call of harness.emulator.calls) {
    if (call.state === 'connected') await call.hangUp();
  }
}
