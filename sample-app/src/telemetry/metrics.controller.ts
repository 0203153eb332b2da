import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Get, Inject, NotFoundException, Req, Res } from '@nestjs/common';
import { SAMPLE_TELEMETRY } from '../tokens';
import type { SampleTelemetry } from './register-telemetry';

/**
 * `GET /metrics`: the Prometheus text of every OpenTelemetry metric, the library's included,
 * on the app's own port (the exporter's request handler, its own server not started).
 */
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(SAMPLE_TELEMETRY) private readonly telemetry: SampleTelemetry | null) {}

  @Get()
  metrics(@Req() request: IncomingMessage, @Res() response: ServerResponse): void {
    if (this.telemetry === null) {
      throw new NotFoundException(
        'No OpenTelemetry SDK is registered (OTEL_SDK_DISABLED=true, or the app was created without registerTelemetry).',
      );
    }
    this.telemetry.prometheus.getMetricsRequestHandler(request, response);
  }
}
