// An ES-module Nest app ("type": "module"), as NestJS 12 scaffolds it, using the built package.
import 'reflect-metadata';
import { createRequire } from 'node:module';
import * as common from '@nestjs/common';
import * as core from '@nestjs/core';
import * as express from '@nestjs/platform-express';
import {
  CallAutomationModule,
  CallAutomationTimeoutError,
  EventProcessorService,
  OnCallEvent,
} from 'nestjs-call-automation';
import { callEvents } from 'nestjs-call-automation/testing';
import runCallApp from './call-app.cjs';

const requireFromThePackage = createRequire(import.meta.resolve('nestjs-call-automation'));
const api = {
  CallAutomationModule,
  CallAutomationTimeoutError,
  EventProcessorService,
  OnCallEvent,
};
const nest = { common, core, express, coreOfThePackage: requireFromThePackage('@nestjs/core') };
const result = await runCallApp(nest, api, callEvents);
console.log(JSON.stringify(result));
