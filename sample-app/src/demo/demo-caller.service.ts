import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { AcsEmulator, PartyScript } from 'nestjs-call-automation/testing';
import type { SampleConfig } from '../config';
import { DEMO_EMULATOR, SAMPLE_CONFIG } from '../tokens';
import { callerVoice } from './caller-voice';

/**
 * What the demo callers do, in turn: ask for an agent, hang up politely, stay silent, or stay
 * silent at first and then say "agent" once asked again; then two callers of the voice menu
 * (`voice`: they dial its number), who speak their choice over live transcription: their
 * microphone's audio is echoed back, and their speech barges in on it.
 */
const CALLERS: { choice: string; name: string; script: PartyScript; voice?: boolean }[] = [
  { choice: '1', name: 'presses 1 (agent)', script: { dtmf: '1' } },
  { choice: '2', name: 'presses 2 (goodbye)', script: { dtmf: '2' } },
  { choice: 'silent', name: 'says nothing', script: {} },
  {
    choice: 'late',
    name: 'says nothing, then "agent" when asked again',
    script: { inputs: [{ silence: true }, { speech: 'agent' }] },
  },
  {
    choice: 'say-agent',
    name: 'says "I want an agent" to the voice menu',
    script: { audio: callerVoice(), says: [{ text: 'I want an agent', afterMs: 1_500 }] },
    voice: true,
  },
  {
    choice: 'say-goodbye',
    name: 'says "Goodbye for now" to the voice menu',
    script: { audio: callerVoice(), says: [{ text: 'Goodbye for now.', afterMs: 1_500 }] },
    voice: true,
  },
];

/**
 * Offline demo: dials the app through the embedded ACS emulator, which delivers the
 * IncomingCall to /api/incomingCall as Event Grid would, and plays the caller's part.
 */
@Injectable()
export class DemoCallerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Demo');
  private timer: NodeJS.Timeout | undefined;
  private placed = 0;

  constructor(
    @Inject(DEMO_EMULATOR) private readonly emulator: AcsEmulator | null,
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
  ) {}

  get enabled(): boolean {
    return this.emulator !== null;
  }

  onApplicationBootstrap(): void {
    if (!this.emulator || this.config.demoCallIntervalMs <= 0) return;
    // The first call once the server listens; then one every interval.
    this.timer = setInterval(() => void this.placeCall(), this.config.demoCallIntervalMs);
    this.timer.unref();
    setTimeout(() => void this.placeCall(), 1_000).unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * Places one demo call; `choice` picks the caller's behaviour ('1', '2', 'silent', 'late', or
   * for the voice menu 'say-agent', 'say-goodbye').
   */
  async placeCall(choice?: string): Promise<string> {
    if (!this.emulator)
      throw new Error('Demo calls need the embedded emulator (run without ACS_CONNECTION_STRING).');
    const chosen =
      choice === undefined ? undefined : CALLERS.find((entry) => entry.choice === choice);
    const caller = chosen ?? (CALLERS[this.placed % CALLERS.length] as (typeof CALLERS)[number]);
    this.placed++;
    const from = `+1555010${String(1000 + (this.placed % 9000)).padStart(4, '0')}`;
    this.logger.log(`Demo call ${this.placed} from ${from}: the caller ${caller.name}`);
    try {
      await this.emulator.placeIncomingCall({
        url: `http://127.0.0.1:${this.config.port}/api/incomingCall`,
        from,
        ...(caller.voice ? { to: this.config.voiceMenuPhoneNumber } : {}),
        callerDisplayName: `Demo caller ${this.placed}`,
        caller: caller.script,
      });
    } catch (error) {
      this.logger.warn(`Demo call ${this.placed} could not be placed: ${(error as Error).message}`);
    }
    return from;
  }
}
