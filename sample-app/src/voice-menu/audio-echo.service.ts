import { Injectable, Logger } from '@nestjs/common';
import {
  EventProcessorService,
  MediaStreamClosedError,
  type MediaStreamSession,
  OnMediaStream,
  type TranscriptionDataEvent,
} from 'nestjs-call-automation';

/** What the echo did on one call. */
export interface EchoStats {
  /** Caller frames sent back over the bidirectional stream. */
  framesEchoed: number;
  /** Times the caller started speaking over the echo (each sent StopAudio). */
  bargeIns: number;
}

/**
 * The voice menu's "voice": the caller's own audio, played back over the bidirectional media
 * stream (a stand-in for a voice agent's speech synthesis). When the caller starts speaking (the
 * first intermediate transcript of a phrase) it stops what is playing with StopAudio and listens
 * until the phrase's final transcript: barge-in, as a voice agent does it.
 */
@Injectable()
export class AudioEchoService {
  private readonly logger = new Logger('Echo');
  private readonly stats = new Map<string, EchoStats>();

  constructor(private readonly processor: EventProcessorService) {}

  /** The echo's figures for a call (zeros before its media stream connects). */
  statsOf(callConnectionId: string): EchoStats {
    return this.stats.get(callConnectionId) ?? { framesEchoed: 0, bargeIns: 0 };
  }

  @OnMediaStream()
  async echo(session: MediaStreamSession): Promise<void> {
    const id = session.callConnectionId;
    let detach: (() => void) | undefined;
    let speaking = false;
    try {
      // The transcription WebSocket is a session too: it has no audio, so this loop just ends.
      for await (const frame of session.audio()) {
        if (detach === undefined) {
          const stats = this.statsOf(id);
          this.stats.set(id, stats);
          if (this.stats.size > 100) this.stats.delete(this.stats.keys().next().value as string);
          detach = this.processor.attachOngoingEventProcessor(
            id,
            'TranscriptionData',
            (event: TranscriptionDataEvent) => {
              if (event.resultState === 'Final') speaking = false;
              else if (!speaking) {
                speaking = true;
                stats.bargeIns++;
                session.stopAudio();
              }
            },
          );
        }
        if (frame.isSilent || speaking) continue;
        await session.sendAudio(Buffer.from(frame.data, 'base64'));
        this.statsOf(id).framesEchoed++;
      }
    } catch (error) {
      // The call ended while a frame was being sent: nothing more to echo.
      if (!(error instanceof MediaStreamClosedError)) throw error;
    } finally {
      detach?.();
    }
    if (detach !== undefined) {
      const { framesEchoed, bargeIns } = this.statsOf(id);
      this.logger.log(`call ${id}: echoed ${framesEchoed} frames, ${bargeIns} barge-in(s)`);
    }
  }
}
