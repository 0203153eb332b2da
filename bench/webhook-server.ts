import { registerOtelSdkIfAsked } from './otel-sdk';
import { type Adapter, type ModuleOptions, startWebhookApp } from './webhook-app';

/**
 * The app of the instruction-count benchmark, in a process of its own (run under valgrind).
 * Arguments: adapter, module options as JSON. Prints its base URL as a JSON line, and closes
 * when its standard input ends. With OTEL_SDK=on, the OpenTelemetry SDK is registered first.
 */
async function main(): Promise<void> {
  registerOtelSdkIfAsked();
  const [adapter = 'fastify', options = '{}'] = process.argv.slice(2);
  const { app, base } = await startWebhookApp(
    adapter as Adapter,
    JSON.parse(options) as ModuleOptions,
  );
  console.log(JSON.stringify({ base }));
  process.stdin.resume();
  process.stdin.once('end', () => {
    void app.close().then(() => process.exit(0));
  });
}

void main();
