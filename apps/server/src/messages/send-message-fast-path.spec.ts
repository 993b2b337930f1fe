import { WsPayloadPipe, parsePayload } from '../common/validation.js';
import { AppException } from '../common/app-exception.js';
import { SendMessageDto } from './messages.dto.js';

const pipe = new WsPayloadPipe();
const viaPipe = (value: unknown) => pipe.transform(value, { type: 'body', metatype: SendMessageDto });
const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error as AppException;
  }
  throw new Error('expected a refusal');
};

const THREAD = '3f2b8c9e-1d4a-4b6f-9a0e-2c5d7e8f9a1b';

describe('send_message fast path', () => {
  it.each([
    { content: 'hi', roomId: 'general' },
    { content: 'hi', roomId: 'general', useAi: true, clientMessageId: 'c-1:x.y_z', threadId: THREAD },
    { content: '', roomId: 'a', useAi: null, clientMessageId: null, threadId: null },
  ])('should accept %j as class-validator does, as a SendMessageDto', (payload) => {
    const accepted = viaPipe(payload);
    expect(accepted).toBeInstanceOf(SendMessageDto);
    expect(accepted).toEqual(parsePayload(SendMessageDto, payload));
  });

  it('should drop unknown fields as the decorators do', () => {
    const accepted = viaPipe({ content: 'hi', roomId: 'general', extra: { nested: true } });
    expect(accepted).toEqual(parsePayload(SendMessageDto, { content: 'hi', roomId: 'general' }));
    expect(accepted).not.toHaveProperty('extra');
  });

  it.each([
    { content: 5, roomId: 'general' },
    { content: 'hi', roomId: 'General!' },
    { content: 'hi', roomId: 'general', useAi: 'yes' },
    { content: 'hi', roomId: 'general', clientMessageId: 'has space' },
    { content: 'hi', roomId: 'general', clientMessageId: 'x'.repeat(65) },
    { content: 'hi', roomId: 'general', threadId: 'not-a-uuid' },
    { roomId: 'general' },
  ])('should refuse %j with the decorators’ own VALIDATION_FAILED details', (payload) => {
    const fast = refusal(() => viaPipe(payload));
    const slow = refusal(() => parsePayload(SendMessageDto, payload));
    expect(fast).toBeInstanceOf(AppException);
    expect(fast.code).toBe('VALIDATION_FAILED');
    expect(fast.extra).toEqual(slow.extra);
    expect(fast.message).toBe(slow.message);
  });
});
