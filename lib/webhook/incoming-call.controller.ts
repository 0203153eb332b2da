import { Controller, HttpCode, Options, Post, Req, Res, type Type } from '@nestjs/common';
import type { ProcessSummary } from '../processor/event-processor.service';
import { type ValidationResponse, WebhookReceiver } from './webhook.receiver';
import type { WebhookRequest } from './webhook-request';

/** The minimal response surface both Express and Fastify offer. */
interface HeaderResponse {
  header(name: string, value: string): unknown;
}

/** The Event Grid endpoint for `Microsoft.Communication.IncomingCall` (route: `incomingCallPath`). */
export function createIncomingCallController(path: string): Type<unknown> {
  @Controller(path)
  class CallAutomationIncomingCallController {
    constructor(private readonly webhook: WebhookReceiver) {}

    /** Event Grid deliveries (either schema) and the Event Grid schema validation handshake. */
    @Post()
    @HttpCode(200)
    receive(@Req() request: WebhookRequest): Promise<ProcessSummary | ValidationResponse> {
      return this.webhook.handleEventGrid(request);
    }

    /** The CloudEvents schema handshake: consent to deliveries from the asking origin. */
    @Options()
    @HttpCode(200)
    async handshake(
      @Req() request: WebhookRequest,
      @Res({ passthrough: true }) response: HeaderResponse,
    ): Promise<void> {
      const headers = await this.webhook.handleEventGridOptions(request);
      for (const [name, value] of Object.entries(headers)) response.header(name, value);
    }
  }
  return CallAutomationIncomingCallController;
}
