import type { Provider } from '@nestjs/common';
import { CALL_AUTOMATION_OPTIONS } from '../constants';
import type { ResolvedCallAutomationOptions } from '../options/call-automation-options.interface';
import { CallEventMatcher } from '../processor/call-event-matcher';
import { MediaSessionRegistry } from './media-session-registry';

/** This replica's media sessions; a call's end is read from the matcher's recent disconnects. */
export const mediaSessionRegistryProvider: Provider = {
  provide: MediaSessionRegistry,
  inject: [CALL_AUTOMATION_OPTIONS, CallEventMatcher],
  useFactory: (options: ResolvedCallAutomationOptions, matcher: CallEventMatcher) =>
    new MediaSessionRegistry(options.defaultTimeoutMs, (callConnectionId) =>
      matcher.disconnected.get(callConnectionId),
    ),
};
