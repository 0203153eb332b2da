import { parseCallAutomationEvent } from '@azure/communication-call-automation';
import { parseCallEvent } from 'nestjs-call-automation';
import {
  type BenchmarkResult,
  callbackEvent,
  median,
  type Row,
  report,
  round,
  throughput,
} from './harness';

/**
 * 3. The parse path: the SDK's parseCallAutomationEvent against the library's parseCallEvent,
 * which skips the SDK's generic deserializer for the 31 kinds whose data it passes through
 * (and is tested deep-equal to the SDK for every kind).
 */
const RUNS = 7;
const RUN_MS = 400;

const identifier = {
  kind: 'communicationUser',
  rawId: '8:acs:user',
  communicationUser: { id: '8:acs:user' },
};
const MIXES: Record<string, () => ReturnType<typeof callbackEvent>> = {
  PlayCompleted: () => callbackEvent('PlayCompleted', 'call-1'),
  RecognizeCompleted: () =>
    callbackEvent('RecognizeCompleted', 'call-1', {
      recognitionType: 'dtmf',
      dtmfResult: { tones: ['one', 'two'] },
    }),
  ParticipantsUpdated: () =>
    callbackEvent('ParticipantsUpdated', 'call-1', {
      participants: [{ identifier, isMuted: false, isOnHold: false }],
      sequenceNumber: 3,
    }),
};

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const [kind, make] of Object.entries(MIXES)) {
    const events = Array.from({ length: 1_000 }, make);
    let next = 0;
    const sdk: number[] = [];
    const ours: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      sdk.push(
        await throughput(RUN_MS, () => {
          for (let index = 0; index < 100; index++) {
            const event = events[next++ % events.length] as ReturnType<typeof callbackEvent>;
            parseCallAutomationEvent({ ...event, data: { ...event.data } });
          }
          return 100;
        }),
      );
      ours.push(
        await throughput(RUN_MS, () => {
          for (let index = 0; index < 100; index++)
            parseCallEvent(events[next++ % events.length] as ReturnType<typeof callbackEvent>);
          return 100;
        }),
      );
    }
    const sdkRate = median(sdk);
    const ourRate = median(ours);
    rows.push({
      kind,
      'SDK parseCallAutomationEvent events/s': Math.round(sdkRate),
      'parseCallEvent events/s': Math.round(ourRate),
      'speed-up': round(ourRate / sdkRate, 1),
    });
  }
  const result: BenchmarkResult = {
    name: 'Parse path',
    note: `Events parsed per second (median of ${RUNS} runs of ${RUN_MS} ms, measured side by side). ParticipantsUpdated goes through the SDK in both columns: the SDK converts its identifiers.`,
    rows,
  };
  report(result);
}

void main();
