import { CallAutomationConfigurationError } from '../errors/call-automation-configuration.error';

/** The options every mid-call operation of the SDK shares. */
export interface MidCallOperationOptions {
  operationContext?: string;
  operationCallbackUrl?: string;
}

/**
 * Where callbacks go by default: the module's `callbackUri`. Operations that take an
 * `operationCallbackUrl` get it too, so their events reach this app even on a call that was
 * set up with another callback URL.
 *
 * With the `callbackSecret` option, the resolved `callbackUri` already carries the secret's
 * query parameter (resolveOptions adds it), so every URL filled in here passes the webhook's
 * secret check. A URL the caller gives (`callbackUrl`, `operationCallbackUrl`) is sent as it
 * is: the caller decides what it carries.
 */
export class CallbackDefaults {
  constructor(private readonly callbackUri: string | undefined) {}

  /** The callback URL of a new call: the caller's, else the module's; an error says which option is missing. */
  callUrl(operation: string, callbackUrl: string | undefined): string {
    const url = callbackUrl ?? this.callbackUri;
    if (url === undefined) {
      throw new CallAutomationConfigurationError(
        `${operation} needs a callback URL: set callbackUri in CallAutomationModule.forRoot({ callbackUri }) or pass options.callbackUrl.`,
      );
    }
    return url;
  }

  /** The options of a mid-call operation with its operationContext and callback filled in. */
  operationOptions<O extends MidCallOperationOptions>(options: O, operationContext: string): O {
    const operationCallbackUrl = options.operationCallbackUrl ?? this.callbackUri;
    return {
      ...options,
      operationContext,
      ...(operationCallbackUrl !== undefined ? { operationCallbackUrl } : {}),
    };
  }
}
