import { type DynamicModule, Module } from '@nestjs/common';
import { CallAutomationModule } from 'nestjs-call-automation';
import type { AcsEmulator } from 'nestjs-call-automation/testing';
import type { SampleConfig } from './config';
import { DemoCallerService } from './demo/demo-caller.service';
import { IvrService } from './ivr/ivr.service';
import { SampleConfigModule } from './sample-config.module';
import { StatusController } from './status/status.controller';
import { CallTimelineService } from './timeline/call-timeline.service';
import { DEMO_EMULATOR, SAMPLE_CONFIG } from './tokens';
import { AudioEchoService } from './voice-menu/audio-echo.service';
import { VoiceMenuService } from './voice-menu/voice-menu.service';

/**
 * The sample: an IVR on ACS Call Automation (keys or speech recognition), a voice menu on media
 * streaming and live transcription, a status page, and (offline) a demo caller.
 */
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
            // The voice menu's WebSockets (media streaming, transcription): the route at
            // /api/media, and its public URL filled in as the calls' transportUrl.
            mediaStreaming: sample.mediaPublicUrl ? { publicUrl: sample.mediaPublicUrl } : {},
            ...(sample.redisUrl
              ? { redis: { url: sample.redisUrl, keyPrefix: sample.redisKeyPrefix } }
              : {}),
          }),
        }),
      ],
      providers: [
        { provide: DEMO_EMULATOR, useValue: emulator ?? null },
        IvrService,
        VoiceMenuService,
        AudioEchoService,
        CallTimelineService,
        DemoCallerService,
      ],
      controllers: [StatusController],
    };
  }
}
