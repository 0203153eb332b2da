import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { CallAutomationModuleOptions } from './options/call-automation-options.interface';

/** Options that shape the module itself, so `forRootAsync` takes them beside `useFactory`. */
export interface CallAutomationModuleExtras {
  isGlobal?: boolean;
  webhookPath?: string;
  incomingCallPath?: string;
}

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: RAW_OPTIONS_TOKEN,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CallAutomationModuleOptions>({ moduleName: 'CallAutomation' })
  .setClassMethodName('forRoot')
  .setExtras<CallAutomationModuleExtras>({}, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal ?? false,
  }))
  .build();
