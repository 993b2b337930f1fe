import { DocumentParserPool } from './document-parser-pool.js';
import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { RoomsModule } from '../rooms/rooms.module.js';
import { createEmbeddingsClient, EmbeddingsClient } from './embeddings.js';
import { KnowledgeIndex } from './knowledge-index.js';
import { KnowledgeController } from './knowledge.controller.js';
import { KnowledgeChunkEntity, KnowledgeDocumentEntity } from './knowledge.entity.js';
import { KnowledgeService } from './knowledge.service.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([KnowledgeDocumentEntity, KnowledgeChunkEntity]),
    RoomsModule,
    // Uploads are kept in memory (they are read at once) and refused past the limit while arriving.
    MulterModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        limits: { fileSize: config.knowledge.maxUploadBytes, files: 1, fields: 10, fieldSize: 64 * 1024 },
      }),
    }),
  ],
  controllers: [KnowledgeController],
  providers: [{ provide: EmbeddingsClient, inject: [APP_CONFIG], useFactory: createEmbeddingsClient }, KnowledgeIndex, KnowledgeService, DocumentParserPool],
  exports: [KnowledgeService],
})
export class KnowledgeModule {}
