import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorRuntime } from './emulator-runtime';
import { findSignatureProblem } from './hmac-verifier';
import type { EmulatedOperation } from './operation-catalog';
import { RepeatabilityCache } from './repeatability-cache';
import { RequestBody } from './request-body';
import { RestFailure, type RestResponse, readRawBody, writeRestResponse } from './rest-response';
import { type MatchedRoute, matchRoute } from './rest-routes';
import type { OperationHandlers } from './routes/operation-handler';
import type { RestErrorScript } from './scenario-script';

/** One REST request the emulator answered. */
export interface RestRequestRecord {
  readonly method: string;
  /** The path as sent (percent-encoded), without the query. */
  readonly path: string;
  /** The operation, when the path named one. */
  readonly operation?: EmulatedOperation;
  /** The call connection the path names, if any. */
  readonly callConnectionId?: string;
  readonly status: number;
  /** Answered from the repeatability cache (a retry of an earlier request). */
  readonly replayed: boolean;
  readonly at: Date;
}

const RECORDING_OPERATIONS = new Set<EmulatedOperation>([
  'startRecording',
  'getRecordingState',
  'stopRecording',
  'pauseRecording',
  'resumeRecording',
]);

const ERROR_CODES: Record<number, string> = {
  400: '8523',
  401: 'Denied',
  403: '7504',
  404: '8522',
  408: 'Timeout',
  409: '8519',
  412: '8583',
  429: 'TooManyRequests',
  500: '9999',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

/**
 * Serves the REST API: checks the HMAC signature of every request, routes it, applies the
 * test's script (REST errors, event-before-response), answers retries by
 * `Repeatability-Request-ID` from the cache, and starts the events after the answer is sent.
 */
export class RestRequestHandler {
  private readonly repeatability = new RepeatabilityCache();
  private readonly records: RestRequestRecord[] = [];

  constructor(
    private readonly runtime: EmulatorRuntime,
    private readonly handlers: OperationHandlers,
    private readonly accessKey: Buffer,
    /** Unauthenticated GET routes (the OpenID configuration and JWKS). */
    private readonly publicRoute: (pathname: string) => RestResponse | undefined,
  ) {}

  get requests(): readonly RestRequestRecord[] {
    return [...this.records];
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = (request.method ?? 'GET').toUpperCase();
    const rawUrl = request.url ?? '/';
    const pathname = rawUrl.split('?')[0] ?? '/';
    const requestId = request.headers['x-ms-client-request-id'];
    const echo: Record<string, string> =
      typeof requestId === 'string' ? { 'x-ms-client-request-id': requestId } : {};
    let route: MatchedRoute | undefined;
    let replayed = false;
    let answer: RestResponse;
    let afterResponse: (() => Promise<unknown>) | undefined;
    let dropResponse = false;
    try {
      const raw = await readRawBody(request, this.runtime.options.maxBodyBytes);
      const open = method === 'GET' ? this.publicRoute(pathname) : undefined;
      if (open) {
        await writeRestResponse(response, open, echo);
        return;
      }
      const problem = findSignatureProblem(
        { method, url: rawUrl, headers: request.headers, body: raw },
        this.accessKey,
      );
      if (problem)
        throw new RestFailure(401, 'Denied', `Denied by the resource provider: ${problem}.`);
      route = this.route(method, pathname, rawUrl);
      const repeatabilityId = request.headers['repeatability-request-id'];
      const key = RepeatabilityCache.keyOf(
        method,
        pathname,
        typeof repeatabilityId === 'string' ? repeatabilityId : undefined,
      );
      const earlier = this.repeatability.earlier(key);
      if (earlier) {
        replayed = true;
        answer = await earlier;
      } else {
        const matched = route;
        const running = this.run(matched, raw, (events, drop) => {
          afterResponse = events;
          dropResponse = drop;
        });
        this.repeatability.remember(key, running);
        answer = await running;
      }
      if (key)
        answer = { ...answer, headers: { ...answer.headers, 'repeatability-result': 'accepted' } };
    } catch (error) {
      answer = error instanceof RestFailure ? error.toResponse() : internalError(error);
    }
    this.records.push({
      method,
      path: pathname,
      operation: route?.operation,
      callConnectionId:
        route && !RECORDING_OPERATIONS.has(route.operation) ? route.params[0] : undefined,
      status: answer.status,
      replayed,
      at: new Date(),
    });
    this.runtime.options.log?.(
      `${method} ${rawUrl} -> ${answer.status}${replayed ? ' (replayed)' : ''}`,
    );
    if (dropResponse) request.socket.destroy();
    else await writeRestResponse(response, answer, echo);
    if (afterResponse) {
      const events = afterResponse;
      void Promise.resolve()
        .then(events)
        .catch((error: unknown) =>
          this.runtime.options.log?.(`events of ${rawUrl} failed: ${String(error)}`),
        );
    }
  }

  private route(method: string, pathname: string, rawUrl: string): MatchedRoute {
    let matched: ReturnType<typeof matchRoute>;
    try {
      matched = matchRoute(method, pathname);
    } catch {
      throw RestFailure.invalid('the path is not correctly percent-encoded.');
    }
    if (matched === 'wrongMethod') {
      throw new RestFailure(
        405,
        'MethodNotAllowed',
        `The method ${method} is not allowed for '${rawUrl}'.`,
      );
    }
    if (!matched) {
      throw new RestFailure(
        404,
        'NotFound',
        `No HTTP resource was found that matches the request URI '${rawUrl}'.`,
      );
    }
    return matched;
  }

  /** Runs the operation: the script first, then the handler; events before or after the answer. */
  private async run(
    route: MatchedRoute,
    raw: Buffer,
    runAfterResponse: (events: (() => Promise<unknown>) | undefined, dropResponse: boolean) => void,
  ): Promise<RestResponse> {
    try {
      const body = RequestBody.parse(raw);
      const script = this.runtime.script.take(route.operation, this.callScope(route, body));
      if (script?.restError !== undefined) return scriptedRestError(script.restError);
      const handler = this.handlers[route.operation];
      if (!handler)
        throw new RestFailure(501, 'NotImplemented', `${route.operation} is not emulated.`);
      const { events, ...response } = handler({
        params: route.params,
        body,
        script,
        runtime: this.runtime,
      });
      if (events && script?.eventBeforeResponse) await events();
      runAfterResponse(
        script?.eventBeforeResponse ? undefined : events,
        script?.dropResponse ?? false,
      );
      return response;
    } catch (error) {
      if (error instanceof RestFailure) return error.toResponse();
      return internalError(error);
    }
  }

  /** The call a call-scoped script would name for this request. */
  private callScope(route: MatchedRoute, body: RequestBody): string | undefined {
    if (!RECORDING_OPERATIONS.has(route.operation)) return route.params[0];
    if (route.operation === 'startRecording') {
      const serverCallId = body.object('callLocator')?.string('serverCallId');
      return (
        body.string('callConnectionId') ??
        (serverCallId
          ? this.runtime.calls.byServerCallId(serverCallId)?.callConnectionId
          : undefined)
      );
    }
    return this.runtime.recordings.get(route.params[0] ?? '')?.callConnectionId;
  }
}

function scriptedRestError(spec: number | RestErrorScript): RestResponse {
  const { status, code, message, retryAfterMs } =
    typeof spec === 'number' ? { status: spec } : spec;
  const headers: Record<string, string> = {};
  if (status === 429 || status >= 500) headers['retry-after-ms'] = String(retryAfterMs ?? 10);
  return new RestFailure(
    status,
    code ?? ERROR_CODES[status] ?? String(status),
    message ?? `Scripted failure (HTTP ${status}).`,
    headers,
  ).toResponse();
}

function internalError(error: unknown): RestResponse {
  return new RestFailure(
    500,
    '9999',
    `Emulator error: ${(error as Error)?.message ?? String(error)}`,
  ).toResponse();
}
