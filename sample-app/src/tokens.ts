/** The sample's configuration (SampleConfig). */
export const SAMPLE_CONFIG = Symbol('SAMPLE_CONFIG');
/** The embedded ACS emulator, or null when the sample talks to Azure. */
export const DEMO_EMULATOR = Symbol('DEMO_EMULATOR');
/** The OpenTelemetry SDK the sample registered (SampleTelemetry), or null without one. */
export const SAMPLE_TELEMETRY = Symbol('SAMPLE_TELEMETRY');
