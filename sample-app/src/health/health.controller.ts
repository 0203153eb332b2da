import { Controller, Get } from '@nestjs/common';
import { HealthCheck, type HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { CallAutomationHealthIndicator } from 'nestjs-call-automation/terminus';

/** `GET /health`: 200 when up, 503 with the details when Redis or the signing keys are not. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly callAutomation: CallAutomationHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.callAutomation.isHealthy('callAutomation')]);
  }
}
