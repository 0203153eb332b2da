import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryModule } from '@nestjs/core';
import {
  ASYNC_OPTIONS_TYPE,
  type CallAutomationModuleExtras,
  ConfigurableModuleClass,
  OPTIONS_TYPE,
  RAW_OPTIONS_TOKEN,
} from './call-automation.module-definition';
import { CallAutomationService } from './client/call-automation.service';
import {
  CALL_AUTOMATION_OPTIONS,
  CALL_EVENT_BUS,
  DEFAULT_INCOMING_CALL_PATH,
  DEFAULT_WEBHOOK_PATH,
} from './constants';
import { CallEventHandlersExplorer } from './discovery/call-event-handlers.explorer';
import { MediaStreamHandlersExplorer } from './discovery/media-stream-handlers.explorer';
import { mediaSessionRegistryProvider } from './media/media.providers';
import { MediaStreamGateway } from './media/media-stream-gateway';
import { CallAutomationHealth } from './observability/call-automation-health';
import { CallTelemetry } from './observability/call-telemetry';
import type {
  CallAutomationModuleOptions,
  ResolvedCallAutomationOptions,
} from './options/call-automation-options.interface';
import { resolveOptions } from './options/resolve-options';
import { CallEventDispatcher } from './processor/call-event-dispatcher';
import { EventProcessorService } from './processor/event-processor.service';
import { callEventMatcherProvider, handlerRunnerProvider } from './processor/processor.providers';
import { createEventBus } from './transport/create-event-bus';
import { createCallbackController } from './webhook/callback.controller';
import { InFlightRequests } from './webhook/in-flight-requests';
import { createIncomingCallController } from './webhook/incoming-call.controller';
import { WebhookReceiver } from './webhook/webhook.receiver';
import {
  WEBHOOK_HOST_MODULE,
  WebhookBodyReaderInstaller,
} from './webhook/webhook-body-reader.installer';

/**
 * ACS Call Automation for Nest: the event processor, the webhook controllers, awaitable
 * operations and `@OnCallEvent` handlers.
 *
 * ```ts
 * CallAutomationModule.forRoot({ connectionString, callbackUri: 'https://example.com/api/callbacks' })
 * CallAutomationModule.forRootAsync({ inject: [ConfigService], useFactory: (config) => ({ ... }) })
 * ```
 */
@Module({})
export class CallAutomationModule extends ConfigurableModuleClass {
  static override forRoot(options: typeof OPTIONS_TYPE = {}): DynamicModule {
    // biome-ignore lint/complexity/noThisInStatic: `super` keeps `this` = CallAutomationModule, the builder's module.
    return withServices(super.forRoot(options), options);
  }

  static override forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    // biome-ignore lint/complexity/noThisInStatic: as above.
    return withServices(super.forRootAsync(options), options);
  }
}

/**
 * Adds what every registration needs: the resolved options (validated once, at start-up),
 * the services, and controllers of its own whose routes follow the options.
 */
function withServices(
  definition: DynamicModule,
  extras: CallAutomationModuleExtras,
): DynamicModule {
  // Placeholders until the options are resolved (see below): the defaults, or the extras.
  const callbackController = createCallbackController(extras.webhookPath ?? DEFAULT_WEBHOOK_PATH);
  const incomingCallController = createIncomingCallController(
    extras.incomingCallPath ?? DEFAULT_INCOMING_CALL_PATH,
  );
  const optionsProvider: Provider = {
    provide: CALL_AUTOMATION_OPTIONS,
    inject: [RAW_OPTIONS_TOKEN],
    useFactory: (raw: CallAutomationModuleOptions | undefined): ResolvedCallAutomationOptions => {
      const resolved = resolveOptions({ ...raw, ...definedExtras(extras) });
      // Routes are mapped after providers are built, so a path from an async factory still counts.
      Reflect.defineMetadata(PATH_METADATA, resolved.webhookPath, callbackController);
      Reflect.defineMetadata(PATH_METADATA, resolved.incomingCallPath, incomingCallController);
      return resolved;
    },
  };
  return {
    ...definition,
    imports: [...(definition.imports ?? []), DiscoveryModule],
    controllers: [callbackController, incomingCallController],
    providers: [
      ...(definition.providers ?? []),
      optionsProvider,
      { provide: CALL_EVENT_BUS, inject: [CALL_AUTOMATION_OPTIONS], useFactory: createEventBus },
      handlerRunnerProvider,
      callEventMatcherProvider,
      { provide: CallTelemetry, useFactory: () => CallTelemetry.load() },
      CallAutomationHealth,
      CallEventHandlersExplorer,
      CallEventDispatcher,
      EventProcessorService,
      CallAutomationService,
      InFlightRequests,
      WebhookReceiver,
      WebhookBodyReaderInstaller,
      mediaSessionRegistryProvider,
      MediaStreamHandlersExplorer,
      MediaStreamGateway,
      { provide: WEBHOOK_HOST_MODULE, useValue: definition.module },
    ],
    // CallAutomationHealth: for the Terminus indicator (nestjs-call-automation/terminus).
    exports: [
      CALL_AUTOMATION_OPTIONS,
      EventProcessorService,
      CallAutomationService,
      CallAutomationHealth,
    ],
  };
}

/** The extras given beside `useFactory` (or in `forRoot`) win over the factory's values. */
function definedExtras(extras: CallAutomationModuleExtras): Partial<CallAutomationModuleOptions> {
  const defined: Partial<CallAutomationModuleOptions> = {};
  if (extras.webhookPath !== undefined) defined.webhookPath = extras.webhookPath;
  if (extras.incomingCallPath !== undefined) defined.incomingCallPath = extras.incomingCallPath;
  if (extras.isGlobal !== undefined) defined.isGlobal = extras.isGlobal;
  return defined;
}
