import type { DataSourceOptions } from 'typeorm';
import { MessageEntity } from '../messages/message.entity.js';
import { RoomEntity, RoomMemberEntity } from '../rooms/room.entity.js';
import { UserEntity } from '../users/user.entity.js';
import { InitialSchema1764270000000 } from './migrations/1764270000000-initial-schema.js';

export const ENTITIES = [UserEntity, RoomEntity, RoomMemberEntity, MessageEntity];
export const MIGRATIONS = [InitialSchema1764270000000];

/** Schema changes only ever come from migrations; `synchronize` stays off everywhere. */
export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error'],
    extra: { max: 20, application_name: 'chat-server' },
  };
}
