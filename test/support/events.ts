import { randomUUID } from 'node:crypto';
import type { CloudEvent } from 'nestjs-call-automation';

/** A minimal CloudEvent for tests of the core (the emulator's factories make complete ones). */
export function cloudEvent(
  kind: string,
  data: Record<string, unknown> = {},
  id: string = randomUUID(),
): CloudEvent {
  return {
    id,
    source: `calling/callConnections/${String(data.callConnectionId ?? 'none')}`,
    type: `Microsoft.Communication.${kind}`,
    specversion: '1.0',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: { serverCallId: 'server-call', correlationId: 'correlation', ...data },
  };
}
