/** A play or a recognize running (or waiting) on a call. */
export interface MediaOperation {
  readonly kind: 'play' | 'recognize';
  readonly operationContext?: string;
  /** Starts it; it calls `end` once it has finished by itself. */
  start(end: () => void): void;
  /** Ends it early and sends its PlayCanceled / RecognizeCanceled. */
  cancel(): void;
}

/**
 * The media operations of one call. ACS runs them one at a time and queues the rest; a request
 * with `interruptCallMediaOperation` barges in and cancels what runs and waits.
 */
export class MediaQueue {
  private running: MediaOperation | undefined;
  private readonly waiting: MediaOperation[] = [];

  submit(operation: MediaOperation, interrupt: boolean): void {
    if (interrupt) this.cancelAll();
    if (this.running) this.waiting.push(operation);
    else this.startNow(operation);
  }

  /** Cancels what runs and what waits; returns how many were canceled. */
  cancelAll(): number {
    const canceled = [...(this.running ? [this.running] : []), ...this.waiting.splice(0)];
    this.running = undefined;
    for (const operation of canceled) operation.cancel();
    return canceled.length;
  }

  /** Forgets everything without events (the call ended). */
  clear(): void {
    this.running = undefined;
    this.waiting.length = 0;
  }

  get active(): readonly MediaOperation[] {
    return [...(this.running ? [this.running] : []), ...this.waiting];
  }

  private startNow(operation: MediaOperation): void {
    this.running = operation;
    operation.start(() => {
      if (this.running !== operation) return;
      this.running = undefined;
      const next = this.waiting.shift();
      if (next) this.startNow(next);
    });
  }
}
