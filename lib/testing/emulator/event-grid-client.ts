import { subscriptionValidationEvent } from '../events/event-grid-events';
import { sendHttpRequest } from './http-client';

/** What the app answered to the Event Grid-schema validation handshake. */
export interface EventGridHandshakeResult {
  status: number;
  /** The parsed JSON answer, or the text when it is not JSON. */
  body: unknown;
  /** The code that was sent. */
  validationCode: string;
  /** True when the app answered 200 `{ validationResponse: validationCode }`, as Event Grid requires. */
  validated: boolean;
}

/** What the app answered to the CloudEvents-schema (OPTIONS) validation handshake. */
export interface CloudEventsHandshakeResult {
  status: number;
  /** `WebHook-Allowed-Origin` of the answer. */
  allowedOrigin?: string;
  /** `WebHook-Allowed-Rate` of the answer. */
  allowedRate?: string;
  /** `Allow` of the answer. */
  allow?: string;
  /** True when the app consented: 2xx and an allowed origin of the sent origin or `*`. */
  validated: boolean;
}

/**
 * Event Grid schema: POSTs the lone SubscriptionValidationEvent with
 * `aeg-event-type: SubscriptionValidation`, as Event Grid does when a subscription is created.
 */
export async function validateEventGridEndpoint(
  url: string,
  options: { validationCode?: string; headers?: Record<string, string>; timeoutMs: number },
): Promise<EventGridHandshakeResult> {
  const event = subscriptionValidationEvent({ validationCode: options.validationCode });
  const reply = await sendHttpRequest(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'aeg-event-type': 'SubscriptionValidation',
      'aeg-subscription-name': 'ACS-EMULATOR',
      'aeg-data-version': event.dataVersion,
      'aeg-metadata-version': event.metadataVersion,
      'aeg-delivery-count': '0',
      ...options.headers,
    },
    body: JSON.stringify([event]),
    timeoutMs: options.timeoutMs,
  });
  const body = parseJson(reply.body);
  const validationCode = event.data.validationCode;
  const validated =
    reply.status === 200 &&
    typeof body === 'object' &&
    body !== null &&
    (body as { validationResponse?: unknown }).validationResponse === validationCode;
  return { status: reply.status, body, validationCode, validated };
}

/**
 * CloudEvents schema: sends OPTIONS with `WebHook-Request-Origin` (and a requested rate), as
 * Event Grid does before delivering CloudEvents to a webhook.
 */
export async function validateCloudEventsEndpoint(
  url: string,
  options: {
    origin?: string;
    requestRate?: number;
    headers?: Record<string, string>;
    timeoutMs: number;
  },
): Promise<CloudEventsHandshakeResult> {
  const origin = options.origin ?? 'eventgrid.azure.net';
  const reply = await sendHttpRequest(url, {
    method: 'OPTIONS',
    headers: {
      'webhook-request-origin': origin,
      'webhook-request-rate': String(options.requestRate ?? 120),
      ...options.headers,
    },
    timeoutMs: options.timeoutMs,
  });
  const header = (name: string): string | undefined => {
    const value = reply.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  const allowedOrigin = header('webhook-allowed-origin');
  return {
    status: reply.status,
    allowedOrigin,
    allowedRate: header('webhook-allowed-rate'),
    allow: header('allow'),
    validated:
      reply.status >= 200 &&
      reply.status < 300 &&
      (allowedOrigin === origin || allowedOrigin === '*'),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
