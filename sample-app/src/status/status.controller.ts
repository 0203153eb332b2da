import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  type MessageEvent,
  type OnModuleDestroy,
  Post,
  Redirect,
  Sse,
} from '@nestjs/common';
import { EventProcessorService } from 'nestjs-call-automation';
import {
  auditTime,
  distinctUntilChanged,
  interval,
  map,
  merge,
  type Observable,
  of,
  Subject,
  takeUntil,
} from 'rxjs';
import type { SampleConfig } from '../config';
import { DemoCallerService } from '../demo/demo-caller.service';
import { CallTimelineService } from '../timeline/call-timeline.service';
import { SAMPLE_CONFIG } from '../tokens';
import { renderStatusPage, renderStatusUpdate, type StatusView } from './status-page';

/** Timeline entries come in bursts (a webhook batch, its handlers): one update per burst. */
const UPDATE_EVERY_MS = 100;
/** Pending waits and operations change without a timeline entry: looked at this often. */
const POLL_EVERY_MS = 1_000;

@Controller()
export class StatusController implements OnModuleDestroy {
  /** Ends the open event streams at shutdown, so that the server can close. */
  private readonly closing = new Subject<void>();

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

  /**
   * The live page's server-sent events: the rendered counts and timelines now, then whenever
   * they change (a new timeline entry, or pending counts seen to move).
   */
  @Sse('api/status/events')
  events(): Observable<MessageEvent> {
    return merge(
      of(undefined),
      this.timeline.changes.pipe(auditTime(UPDATE_EVERY_MS)),
      interval(POLL_EVERY_MS),
    ).pipe(
      map(() => JSON.stringify(renderStatusUpdate(this.view()))),
      distinctUntilChanged(),
      map((data) => ({ data })),
      takeUntil(this.closing),
    );
  }

  /** Places a demo call on the embedded emulator, then shows the page again. */
  @Post('demo/calls')
  @HttpCode(303)
  @Redirect('/', 303)
  async placeCall(@Body() body: { choice?: string } | undefined): Promise<void> {
    await this.demo.placeCall(body?.choice);
  }

  onModuleDestroy(): void {
    this.closing.next();
    this.closing.complete();
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
        draining: this.processor.isDraining,
        callsInProgress: snapshot.callsInProgress,
        mediaSessions: snapshot.mediaSessions,
      },
      canPlaceDemoCalls: this.demo.enabled,
    };
  }
}
