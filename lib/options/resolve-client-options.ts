import { describeValue } from '../events/event-filter';
import type {
  CallAutomationModuleOptions,
  ResolvedCallAutomationOptions,
  ResolvedQuerySecret,
} from './call-automation-options.interface';
import { absoluteUrl, fail } from './option-checks';

type ClientOptions = Pick<
  ResolvedCallAutomationOptions,
  'connectionString' | 'clientOptions' | 'client'
>;

/** The options of the ACS client: `connectionString`, `clientOptions`, `client`. */
export function resolveClientOptions(options: CallAutomationModuleOptions): ClientOptions {
  const resolved: ClientOptions = {};
  if (options.connectionString !== undefined) {
    resolved.connectionString = connectionString(options.connectionString);
  }
  if (options.clientOptions !== undefined) {
    if (typeof options.clientOptions !== 'object' || options.clientOptions === null) {
      fail(
        `clientOptions must be an object (CallAutomationClientOptions), got ${describeValue(options.clientOptions)}`,
      );
    }
    resolved.clientOptions = options.clientOptions;
  }
  if (options.client !== undefined) {
    if (typeof options.client !== 'object' || options.client === null) {
      fail(`client must be a CallAutomationClient, got ${describeValue(options.client)}`);
    }
    resolved.client = options.client;
  }
  return resolved;
}

/** `callbackUri`, with the current callback secret added when there is one. */
export function resolveCallbackUri(
  value: unknown,
  callbackSecret: ResolvedQuerySecret | undefined,
): string {
  const url = absoluteUrl(value, 'callbackUri');
  return callbackSecret ? withSecret(url, callbackSecret) : url;
}

function connectionString(value: unknown): string {
  if (typeof value !== 'string' || !/endpoint=.+;\s*accesskey=.+/i.test(value)) {
    fail(
      "connectionString must look like 'endpoint=https://<resource>.communication.azure.com/;accesskey=<key>' (copy it from the ACS resource's Keys page)",
    );
  }
  return value;
}

/** The URL with the secret's parameter set to the current value (kept when already there). */
function withSecret(url: string, secret: ResolvedQuerySecret): string {
  const parsed = new URL(url);
  const present = parsed.searchParams.getAll(secret.name);
  if (present.length > 0) {
    if (present.length === 1 && secret.values.includes(present[0] as string)) return url;
    fail(
      `callbackUri already has a query parameter '${secret.name}' that is not callbackSecret.value; remove it (the module adds the secret)`,
    );
  }
  parsed.searchParams.append(secret.name, secret.values[0] as string);
  return parsed.toString();
}
