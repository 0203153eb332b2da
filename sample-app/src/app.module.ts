import { type DynamicModule, Module } from '@nestjs/common';
import { CallAutomationModule } from 'nestjs-call-automation';
import type { AcsEmulator } from 'nestjs-call-automation/testing';
import { HandlerRunRecorder } from './chaos/handler-run-recorder';
import type { SampleConfig } from './config';
import { DemoCallerService } from './demo/demo-caller.service';
import { IvrService } from './ivr/ivr.service';
import { SampleConfigModule } from './sample-config.module';
import { StatusController } from './status/status.controller';
import { CallTimelineService } from './timeline/call-timeline.service';
import { DEMO_EMULATOR, SAMPLE_CONFIG } from './tokens';

/** The sample: an IVR on ACS Call Automation, a status page, and (offline) a demo caller. */
@Module({})
export class AppModule {
  static register(config: SampleConfig, emulator?: AcsEmulator): DynamicModule {
    return {
      module: AppModule,
      imports: [
        SampleConfigModule.register(config),
        CallAutomationModule.forRootAsync({
          imports: [SampleConfigModule.register(config)],
          inject: [SAMPLE_CONFIG],
          useFactory: (sample: SampleConfig) => ({
            connectionString: sample.connectionString,
            // Plain http is for the local emulator only.
            clientOptions: { allowInsecureConnection: sample.emulated },
            callbackUri: sample.callbackUri,
            ...(sample.auth ? { auth: sample.auth } : {}),
            ...(sample.redisUrl
              ? {
                  redis: {
                    url: sample.redisUrl,
                    keyPrefix: sample.redisKeyPrefix,
                    ...(sample.handlerClaimTimeoutMs === undefined
                      ? {}
                      : { handlerClaimTimeoutMs: sample.handlerClaimTimeoutMs }),
                  },
                }
              : {}),
            drainTimeoutMs: sample.drainTimeoutMs,
          }),
        }),
      ],
      providers: [
        { provide: DEMO_EMULATOR, useValue: emulator ?? null },
        IvrService,
        CallTimelineService,
        DemoCallerService,
        ...(config.recordHandlerRuns ? [HandlerRunRecorder] : []),
      ],
      controllers: [StatusController],
    };
  }
}
