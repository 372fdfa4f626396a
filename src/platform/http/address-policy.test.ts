import { describe, expect, it } from 'vitest';
import { classifyAddress, refusal } from './address-policy.js';

describe('classifyAddress', () => {
  it.each([
    ['93.184.216.34', 'public'],
    ['2606:4700::1111', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.20.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.169.254', 'forbidden'],
    ['fd00:ec2::254', 'forbidden'],
    ['fe80::1', 'forbidden'],
    ['0.0.0.0', 'forbidden'],
    ['::', 'forbidden'],
    ['224.0.0.1', 'forbidden'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'forbidden'],
    ['64:ff9b::a9fe:a9fe', 'forbidden'],
    ['not-an-ip', 'forbidden'],
  ])('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });
});

describe('refusal', () => {
  it('allows loopback and private ranges only when configured, metadata never', () => {
    const closed = { allowLoopback: false, allowPrivate: false };
    const open = { allowLoopback: true, allowPrivate: true };
    expect(refusal('127.0.0.1', closed)).toMatch(/loopback/);
    expect(refusal('127.0.0.1', open)).toBeNull();
    expect(refusal('10.0.0.5', closed)).toMatch(/private/);
    expect(refusal('10.0.0.5', open)).toBeNull();
    expect(refusal('169.254.169.254', open)).toMatch(/never allowed/);
    expect(refusal('8.8.8.8', closed)).toBeNull();
  });
});
