export { CallAutomationConfigurationError } from './call-automation-configuration.error';
export { CallAutomationEventError } from './call-automation-event.error';
export { CallAutomationShutdownError } from './call-automation-shutdown.error';
export { CallAutomationTimeoutError } from './call-automation-timeout.error';
export { CallDisconnectedError } from './call-disconnected.error';
export { CallOperationFailedError } from './call-operation-failed.error';
export { EventBusUnavailableError } from './event-bus-unavailable.error';
export { MediaStreamClosedError } from './media-stream-closed.error';
