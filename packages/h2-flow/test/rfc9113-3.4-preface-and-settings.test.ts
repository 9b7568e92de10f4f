import { H2UsageError } from '@h2tubes/h2-frames';
import { describe, expect, it } from 'vitest';
import { Connection } from '../src/index.js';
import { frames, Harness, SETTINGS, summary } from './helpers/frames.js';

describe('RFC 9113 §3.4 connection preface', () => {
  it('server writes its SETTINGS first, with the announced defaults (§3.4)', () => {
    const h = new Harness({ role: 'server' });
    h.conn.start(0);
    const [first, ...rest] = h.take();
    expect(first?.type).toBe('SETTINGS');
    expect(summary([first!])).toEqual([
      `SETTINGS ${SETTINGS.MAX_CONCURRENT_STREAMS}=100,${SETTINGS.MAX_HEADER_LIST_SIZE}=65536`,
    ]);
    expect(summary(rest)).toEqual([`WINDOW_UPDATE 0 ${(1 << 20) - 65_535}`]);
  });

  it('client announces SETTINGS_ENABLE_PUSH = 0 and the option values (§6.5.2, §8.4)', () => {
    const h = new Harness({
      role: 'client',
      initialWindowSize: 1 << 20,
      maxFrameSize: 32_768,
      headerTableSize: 8192,
      enableConnectProtocol: true,
      connectionWindowSize: 65_535,
    });
    h.conn.start(0);
    expect(summary(h.take())).toEqual([`SETTINGS 1=8192,2=0,3=100,4=${1 << 20},5=32768,6=65536,8=1`]);
  });

  it('a first frame other than SETTINGS is a connection error PROTOCOL_ERROR (§3.4)', () => {
    const h = new Harness({ role: 'server' });
    h.conn.start(0);
    h.take();
    h.send(frames.ping());
    expect(h.goaway()).toEqual({ lastStreamId: 0, errorCode: 'PROTOCOL_ERROR' });
    expect(h.eventsOf('connectionClosed')[0]?.error?.code).toBe('PROTOCOL_ERROR');
    expect(h.conn.isClosed).toBe(true);
  });

  it('the peer SETTINGS is ACKed and reported (§6.5.3)', () => {
    const h = new Harness({ role: 'server' });
    h.conn.start(0);
    h.take();
    h.send(frames.settings({ [SETTINGS.MAX_FRAME_SIZE]: 20_000, [SETTINGS.HEADER_TABLE_SIZE]: 0 }));
    expect(summary(h.take())).toEqual(['SETTINGS ACK']);
    const [e] = h.eventsOf('settingsChanged');
    expect(e?.changed).toEqual(['headerTableSize', 'maxFrameSize']);
    expect(e?.settings.maxFrameSize).toBe(20_000);
    expect(h.conn.peerSettings.headerTableSize).toBe(0);
  });

  it('our SETTINGS count as in force only once ACKed (§6.5.3)', () => {
    const h = new Harness({ role: 'server', maxFrameSize: 65_536 });
    h.conn.start(0);
    h.send(frames.settings());
    expect(h.conn.localSettings.maxFrameSize).toBe(16_384);
    h.events();
    h.send(frames.settingsAck());
    expect(h.conn.localSettings.maxFrameSize).toBe(65_536);
    const [e] = h.eventsOf('settingsAcknowledged');
    expect(e?.changed).toContain('maxFrameSize');
  });

  it('an ACK with nothing pending is ignored', () => {
    const h = Harness.ready({ role: 'server' });
    h.send(frames.settingsAck());
    expect(h.take()).toEqual([]);
    expect(h.conn.isClosed).toBe(false);
  });

  it('no peer SETTINGS within 10 s ⇒ GOAWAY SETTINGS_TIMEOUT', () => {
    const h = new Harness({ role: 'server' });
    h.conn.start(0);
    h.take();
    expect(h.conn.nextDeadline()).toBe(10_000);
    h.conn.tick(9_999);
    expect(h.take()).toEqual([]);
    h.conn.tick(10_000);
    expect(h.goaway()?.errorCode).toBe('SETTINGS_TIMEOUT');
    expect(h.eventsOf('limitExceeded')).toEqual([
      { kind: 'limitExceeded', limit: 'prefaceTimeout', streamId: 0 },
    ]);
  });

  it('no ACK of our SETTINGS within 10 s ⇒ GOAWAY SETTINGS_TIMEOUT (§6.5.3)', () => {
    const h = new Harness({ role: 'client' });
    h.conn.start(0);
    h.send(frames.settings());
    h.take();
    h.conn.tick(10_000);
    expect(h.goaway()?.errorCode).toBe('SETTINGS_TIMEOUT');
    expect(h.eventsOf('limitExceeded')[0]?.limit).toBe('settingsTimeout');
  });

  it('start() twice and bad options are usage errors', () => {
    const c = new Connection({ role: 'server' }, { frame: () => {}, event: () => {} });
    c.start(0);
    expect(() => c.start(1)).toThrow(H2UsageError);
    expect(
      () => new Connection({ role: 'server', maxFrameSize: 10 }, { frame: () => {}, event: () => {} }),
    ).toThrow(H2UsageError);
    expect(() => new Connection({ role: 'proxy' as 'server' }, { frame: () => {}, event: () => {} })).toThrow(
      H2UsageError,
    );
  });
});

describe('RFC 9113 §6.5.2 peer settings are checked', () => {
  const cases: [string, 'server' | 'client', Record<number, number>, string][] = [
    ['ENABLE_PUSH 2', 'server', { [SETTINGS.ENABLE_PUSH]: 2 }, 'PROTOCOL_ERROR'],
    ['ENABLE_PUSH 1 sent to a client', 'client', { [SETTINGS.ENABLE_PUSH]: 1 }, 'PROTOCOL_ERROR'],
    ['INITIAL_WINDOW_SIZE 2^31', 'server', { [SETTINGS.INITIAL_WINDOW_SIZE]: 2 ** 31 }, 'FLOW_CONTROL_ERROR'],
    ['MAX_FRAME_SIZE 16383', 'server', { [SETTINGS.MAX_FRAME_SIZE]: 16_383 }, 'PROTOCOL_ERROR'],
    ['MAX_FRAME_SIZE 2^24', 'server', { [SETTINGS.MAX_FRAME_SIZE]: 2 ** 24 }, 'PROTOCOL_ERROR'],
    ['ENABLE_CONNECT_PROTOCOL 2', 'client', { [SETTINGS.ENABLE_CONNECT_PROTOCOL]: 2 }, 'PROTOCOL_ERROR'],
  ];
  for (const [name, role, entries, code] of cases) {
    it(`${name} ⇒ connection error ${code}`, () => {
      const h = new Harness({ role });
      h.conn.start(0);
      h.take();
      h.send(frames.settings(entries));
      expect(h.goaway()?.errorCode).toBe(code);
    });
  }

  it('unknown setting ids are ignored (§6.5.2)', () => {
    const h = new Harness({ role: 'server' });
    h.conn.start(0);
    h.take();
    h.send(frames.settings({ 153: 7 }));
    expect(summary(h.take())).toEqual(['SETTINGS ACK']);
  });

  it('ENABLE_CONNECT_PROTOCOL cannot go from 1 back to 0 (RFC 8441 §3)', () => {
    const h = Harness.ready({ role: 'client' }, { [SETTINGS.ENABLE_CONNECT_PROTOCOL]: 1 });
    h.send(frames.settings({ [SETTINGS.ENABLE_CONNECT_PROTOCOL]: 0 }));
    expect(h.goaway()?.errorCode).toBe('PROTOCOL_ERROR');
  });

  it("connections with equal settings share one frozen values object, ours and the peer's", () => {
    const [a, b] = [0, 1].map(() => {
      const h = new Harness({ role: 'server' });
      h.conn.start(0);
      h.send(frames.settings({ [SETTINGS.MAX_FRAME_SIZE]: 32_768 }), frames.settingsAck());
      return {
        peer: h.eventsOf('settingsChanged')[0]?.settings,
        ours: h.eventsOf('settingsAcknowledged')[0]?.settings,
      };
    });
    expect(a?.peer?.maxFrameSize).toBe(32_768);
    expect(b?.peer).toBe(a?.peer);
    expect(b?.ours).toBe(a?.ours);
    expect(Object.isFrozen(a?.ours)).toBe(true);
  });

  it('a SETTINGS ACK with a payload is a connection error FRAME_SIZE_ERROR (§6.5)', () => {
    const h = Harness.ready({ role: 'server' });
    h.send({ type: 'SETTINGS', streamId: 0, ack: true, settings: [{ id: 1, value: 1 }] });
    expect(h.goaway()?.errorCode).toBe('FRAME_SIZE_ERROR');
  });
});
