import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ErrorCode } from '@chat/contract';

@Injectable()
class A {}
@Injectable()
class B { constructor(readonly a: A) {} }
@Module({ providers: [A, B] })
class M {}

describe('runtime', () => {
  it('should run on Node 24 or newer', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
  });
  it('should inject', async () => {
    const ref = await Test.createTestingModule({ imports: [M] }).compile();
    expect(ref.get(B).a).toBeInstanceOf(A);
    expect(ErrorCode.INTERNAL).toBe('INTERNAL');
  });
});
