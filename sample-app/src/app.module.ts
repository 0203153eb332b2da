import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CallAutomationModule } from 'nestjs-call-automation';
import { CallAutomationHealthIndicator } from 'nestjs-call-automation/terminus';
import type { AcsEmulator } from 'nestjs-call-automation/testing';
import { HandlerRunRecorder } from './chaos/handler-run-recorder';
import type { SampleConfig } from './config';
import { DemoCallerService } from './demo/demo-caller.service';
import { HealthController } from './health/health.controller';
import { IvrService } from './ivr/ivr.service';
import { SampleConfigModule } from './sample-config.module';
import { StatusController } from './status/status.controller';
import { MetricsController } from './telemetry/metrics.controller';
import type { SampleTelemetry } from './telemetry/register-telemetry';
import { CallTimelineService } from './timeline/call-timeline.service';
import { DEMO_EMULATOR, SAMPLE_CONFIG, SAMPLE_TELEMETRY } from './tokens';
import { AudioEchoService } from './voice-menu/audio-echo.service';
import { VoiceMenuService } from './voice-menu/voice-menu.service';

/**
 * The sample: an IVR on ACS Call Automation (keys or speech recognition), a voice menu on media
 * streaming and live transcription, a live status page, `/metrics` and `/health`, and (offline)
 * a demo caller. `telemetry`: the OpenTelemetry SDK registered before this module is created
 * (see main.ts); without it `/metrics` answers 404.
 */
@Module({})
export class AppModule {
  static register(
    config: SampleConfig,
    emulator?: AcsEmulator,
    telemetry?: SampleTelemetry,
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        SampleConfigModule.register(config),
        TerminusModule,
        CallAutomationModule.forRootAsync({
          imports: [SampleConfigModule.register(config)],
          inject: [SAMPLE_CONFIG],
          useFactory: (sample: SampleConfig) => ({
            connectionString: sample.connectionString,
            // Plain http is for the local emulator only.
            clientOptions: { allowInsecureConnection: sample.emulated },
            callbackUri: sample.callbackUri,
            ...(sample.auth ? { auth: sample.auth } : {}),
            // The voice menu's WebSockets (media streaming, transcription): the route at
            // /api/media, and its public URL filled in as the calls' transportUrl.
            mediaStreaming: sample.mediaPublicUrl ? { publicUrl: sample.mediaPublicUrl } : {},
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
        { provide: SAMPLE_TELEMETRY, useValue: telemetry ?? null },
        CallAutomationHealthIndicator,
        IvrService,
        VoiceMenuService,
        AudioEchoService,
        CallTimelineService,
        DemoCallerService,
        ...(config.recordHandlerRuns ? [HandlerRunRecorder] : []),
      ],
      controllers: [StatusController, MetricsController, HealthController],
    };
  }
}
