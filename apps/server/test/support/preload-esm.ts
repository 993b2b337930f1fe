// Jest loads CommonJS packages (@nestjs/throttler, @nestjs/terminus, ...) while it links the ES
// module graph; when they require() an ESM-only @nestjs package that is still being linked, Jest
// reports a require cycle. Evaluating the ESM packages first, here, avoids that. Node itself has
// no such problem, so this exists for the test runner only.
import 'reflect-metadata';
import '@nestjs/common';
import '@nestjs/core';
import '@nestjs/websockets';
import '@nestjs/platform-express';
import '@nestjs/platform-socket.io';
import '@nestjs/typeorm';
import '@nestjs/jwt';
import '@nestjs/swagger';
