/**
 * A media stream's WebSocket closed: the reason of its session's `signal`, and what `sendAudio`
 * rejects with afterwards. `code` and `reason` are the WebSocket close code and reason (1000:
 * ended normally, 1001: going away, 1006: the connection dropped, 1009: a message was too big).
 */
export class MediaStreamClosedError extends Error {
  override readonly name = 'MediaStreamClosedError';

  constructor(
    readonly callConnectionId: string,
    readonly code: number,
    readonly reason: string,
  ) {
    super(
      `The media stream of call ${callConnectionId || '(unknown)'} closed (code ${code}${reason ? `: ${reason}` : ''}); nothing more can be sent on it.`,
    );
  }
}
