import { Injectable } from '@nestjs/common';
import { SEARCH_PAGE_DEFAULT } from '@chat/contract';
import type { MessageSearchResponse } from '@chat/contract';
import type { AuthUser } from '../auth/auth.types.js';
import { RoomsRepository } from '../rooms/rooms.repository.js';
import { RoomsService } from '../rooms/rooms.service.js';
import { GREATER_THAN, HIT_END, HIT_START, LESS_THAN, MessageSearchRepository } from './message-search.repository.js';
import type { MessageSearchQueryDto } from './message-search.dto.js';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** The headline as HTML: everything escaped, then only the hit markers become `<mark>`. */
export function snippetHtml(headline: string): string {
  return headline
    .replace(/[&<>"']/g, (c) => HTML_ESCAPES[c])
    .replaceAll(LESS_THAN, '&lt;')
    .replaceAll(GREATER_THAN, '&gt;')
    .replaceAll(HIT_START, '<mark>')
    .replaceAll(HIT_END, '</mark>');
}

/** Message search over the rooms the caller may read (one room when asked), tombstones never found. */
@Injectable()
export class MessageSearchService {
  constructor(
    private readonly repository: MessageSearchRepository,
    private readonly rooms: RoomsService,
    private readonly roomsRepository: RoomsRepository,
  ) {}

  async search(user: AuthUser, query: MessageSearchQueryDto): Promise<MessageSearchResponse> {
    const limit = query.limit ?? SEARCH_PAGE_DEFAULT;
    let roomIds: string[] | null;
    if (query.roomId !== undefined) {
      await this.rooms.access(user, query.roomId);
      roomIds = [query.roomId];
    } else {
      roomIds = await this.roomsRepository.visibleRoomIds(user);
    }
    if (roomIds !== null && roomIds.length === 0) return { results: [], hasMore: false };
    const hits = await this.repository.search(query.q, { roomIds, before: query.before, limit: limit + 1 });
    return {
      results: hits.slice(0, limit).map(({ message, headline }) => ({ message, snippet: snippetHtml(headline) })),
      hasMore: hits.length > limit,
    };
  }
}
