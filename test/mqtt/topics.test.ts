import { describe, expect, it } from 'vitest';
import { Outbox } from '../../src/mqtt/outbox.js';
import { discoveryPublications, type Publication } from '../../src/mqtt/topics.js';

const message = (topic: string, payload: string, retain = false): Publication => ({ topic, payload, retain, qos: 1 });

describe('Outbox', () => {
  it('keeps messages in order up to its bound, dropping (and counting) the oldest past it', () => {
    const outbox = new Outbox(3);
    for (const n of [1, 2, 3, 4, 5]) outbox.push(message('sm/events', String(n)));
    expect(outbox.dropped).toBe(2);
    expect(outbox.take().map((m) => m.payload)).toEqual(['3', '4', '5']);
    expect(outbox.size).toBe(0);
  });

  it('keeps only the newest message of a retained topic, where it now stands in the order', () => {
    const outbox = new Outbox(10);
    outbox.push(message('sm/gate/person', '1', true));
    outbox.push(message('sm/events', 'new'));
    outbox.push(message('sm/gate/person', '0', true));
    expect(outbox.take().map((m) => `${m.topic}=${m.payload}`)).toEqual(['sm/events=new', 'sm/gate/person=0']);
    expect(outbox.dropped).toBe(0);
  });
});

describe('discoveryPublications', () => {
  it('announces an occupancy sensor and a snapshot camera per camera and label, retained, tied to availability', () => {
    const [sensor, camera] = discoveryPublications('sm', 'node 1', 'gate', 'person');
    expect(sensor).toMatchObject({ topic: 'homeassistant/binary_sensor/node_1_gate_person/occupancy/config', retain: true, qos: 1 });
    expect(camera).toMatchObject({ topic: 'homeassistant/camera/node_1_gate_person/snapshot/config', retain: true, qos: 1 });
    const device = { identifiers: ['node_1_gate'], name: 'gate', manufacturer: 'stream-manager', model: 'camera' };
    const availability = { availability_topic: 'sm/available', payload_available: 'online', payload_not_available: 'offline' };
    expect(JSON.parse(String(sensor!.payload))).toEqual({
      name: 'person occupancy',
      unique_id: 'node_1_gate_person_occupancy',
      state_topic: 'sm/gate/person',
      value_template: "{{ 'ON' if value | int > 0 else 'OFF' }}",
      device_class: 'occupancy',
      device,
      ...availability,
    });
    expect(JSON.parse(String(camera!.payload))).toEqual({
      name: 'person snapshot',
      unique_id: 'node_1_gate_person_snapshot',
      topic: 'sm/gate/person/snapshot',
      device,
      ...availability,
    });
  });
});
