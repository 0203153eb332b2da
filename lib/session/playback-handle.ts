import type { PlayCompleted, PlayStarted } from '@azure/communication-call-automation';
import { StoppableOperationHandle } from './operation-handle';

/** A play under way: awaitable (PlayCompleted), `started` (PlayStarted), `stop()`. */
export class PlaybackHandle extends StoppableOperationHandle<PlayCompleted> {
  /**
   * Resolves with PlayStarted; rejects as the play does when it fails before starting, or when
   * it completed without a PlayStarted.
   */
  readonly started: Promise<PlayStarted>;

  constructor(
    outcome: Promise<PlayCompleted>,
    started: Promise<PlayStarted>,
    cancel: () => Promise<void>,
  ) {
    super(outcome, cancel);
    this.started = started;
    started.catch(() => {});
  }
}
