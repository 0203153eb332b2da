// A CommonJS Nest app ("type": "commonjs") using the built package.
require('reflect-metadata');
const { createRequire } = require('node:module');
const common = require('@nestjs/common');
const core = require('@nestjs/core');
const express = require('@nestjs/platform-express');
const api = require('nestjs-call-automation');
const { callEvents } = require('nestjs-call-automation/testing');
const runCallApp = require('./call-app.cjs');

const requireFromThePackage = createRequire(require.resolve('nestjs-call-automation'));
const nest = { common, core, express, coreOfThePackage: requireFromThePackage('@nestjs/core') };
runCallApp(nest, api, callEvents).then((result) => console.log(JSON.stringify(result)));
