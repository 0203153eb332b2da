import { Body, Controller, Get, Header, HttpCode, Inject, Post, Redirect } from '@nestjs/common';
import { EventProcessorService } from 'nestjs-call-automation';
import type { SampleConfig } from '../config';
import { DemoCallerService } from '../demo/demo-caller.service';
import { CallTimelineService } from '../timeline/call-timeline.service';
import { SAMPLE_CONFIG } from '../tokens';
import { renderStatusPage, type StatusView } from './status-page';

@Controller()
export class StatusController {
  constructor(
    private readonly processor: EventProcessorService,
    private readonly timeline: CallTimelineService,
    private readonly demo: DemoCallerService,
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
  ) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  page(): string {
    return renderStatusPage(this.view());
  }

  @Get('api/status')
  status(): StatusView {
    return this.view();
  }

  /** Places a demo call on the embedded emulator, then shows the page again. */
  @Post('demo/calls')
  @HttpCode(303)
  @Redirect('/', 303)
  async placeCall(@Body() body: { choice?: string } | undefined): Promise<void> {
    await this.demo.placeCall(body?.choice);
  }

  private view(): StatusView {
    const snapshot = this.processor.snapshot();
    return {
      replica: this.config.replicaName,
      mode: this.config.emulated ? 'ACS emulator' : 'Azure Communication Services',
      calls: this.timeline.list(),
      totalEvents: this.timeline.totalEvents,
      processor: {
        pendingWaiters: snapshot.pendingWaiters,
        pendingOperations: snapshot.pendingOperations,
        backlog: snapshot.backlogEvents,
        mediaSessions: snapshot.mediaSessions,
      },
      canPlaceDemoCalls: this.demo.enabled,
    };
  }
}
