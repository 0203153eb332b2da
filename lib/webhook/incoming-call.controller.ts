import { Controller, Headers, HttpCode, Options, Post, Req, Res, type Type } from '@nestjs/common';
import type { ProcessSummary } from '../processor/event-processor.service';
import type { WebhookRequest } from './webhook-body';
import { type ValidationResponse, WebhookRequestHandler } from './webhook-request.handler';

/** The minimal response surface both Express and Fastify offer. */
interface HeaderResponse {
  header(name: string, value: string): unknown;
}

/** The Event Grid endpoint for `Microsoft.Communication.IncomingCall` (route: `incomingCallPath`). */
export function createIncomingCallController(path: string): Type<unknown> {
  @Controller(path)
  class CallAutomationIncomingCallController {
    constructor(private readonly webhook: WebhookRequestHandler) {}

    /** Event Grid deliveries (either schema) and the Event Grid schema validation handshake. */
    @Post()
    @HttpCode(200)
    receive(@Req() request: WebhookRequest): Promise<ProcessSummary | ValidationResponse> {
      return this.webhook.handleEventGrid(request);
    }

    /** The CloudEvents schema handshake: consent to deliveries from the asking origin. */
    @Options()
    @HttpCode(200)
    handshake(
      @Headers('webhook-request-origin') origin: string | undefined,
      @Res({ passthrough: true }) response: HeaderResponse,
    ): void {
      response.header('Allow', 'POST, OPTIONS');
      if (origin) {
        response.header('WebHook-Allowed-Origin', origin);
        response.header('WebHook-Allowed-Rate', '*');
      }
    }
  }
  return CallAutomationIncomingCallController;
}
