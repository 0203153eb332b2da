import { type DynamicModule, Module } from '@nestjs/common';
import type { SampleConfig } from './config';
import { SAMPLE_CONFIG } from './tokens';

/** Provides SampleConfig, the way @nestjs/config's ConfigModule provides ConfigService. */
@Module({})
export class SampleConfigModule {
  static register(config: SampleConfig): DynamicModule {
    return {
      module: SampleConfigModule,
      global: true,
      providers: [{ provide: SAMPLE_CONFIG, useValue: config }],
      exports: [SAMPLE_CONFIG],
    };
  }
}
