import type { EventMessage } from '../tracking/object-event.js';

/** One message to the broker. */
export interface Publication {
  topic: string;
  payload: string | Buffer;
  retain: boolean;
  qos: 0 | 1;
}

/** The topics of MQTT_TOPIC_PREFIX, in Frigate's layout so that its automations port over. */
export const topics = (prefix: string) => ({
  available: `${prefix}/available`,
  events: `${prefix}/events`,
  count: (camera: string, label: string) => `${prefix}/${camera}/${label}`,
  snapshot: (camera: string, label: string) => `${prefix}/${camera}/${label}/snapshot`,
});

export const eventPublication = (prefix: string, message: EventMessage): Publication => ({
  topic: topics(prefix).events,
  payload: JSON.stringify(message),
  retain: false,
  qos: 1,
});

export const countPublication = (prefix: string, camera: string, label: string, count: number): Publication => ({
  topic: topics(prefix).count(camera, label),
  payload: String(count),
  retain: true,
  qos: 1,
});

/** The best picture of a label's latest event, retained, as Frigate does. */
export const snapshotPublication = (prefix: string, camera: string, label: string, jpeg: Buffer): Publication => ({
  topic: topics(prefix).snapshot(camera, label),
  payload: jpeg,
  retain: true,
  qos: 0,
});

export const availabilityPublication = (prefix: string, state: 'online' | 'offline'): Publication => ({
  topic: topics(prefix).available,
  payload: state,
  retain: true,
  qos: 1,
});

/** An MQTT topic level or discovery object id: what cannot appear in one becomes _. */
const safeLevel = (value: string) => value.replace(/[^A-Za-z0-9_-]/g, '_');

/**
 * Home Assistant MQTT discovery for one camera and label: an occupancy binary
 * sensor on the count topic and a camera entity on the snapshot topic, both
 * tied to the daemon's availability, grouped as one device per camera.
 */
export function discoveryPublications(prefix: string, node: string, camera: string, label: string): Publication[] {
  const t = topics(prefix);
  const id = safeLevel(`${node}_${camera}_${label}`);
  const device = { identifiers: [safeLevel(`${node}_${camera}`)], name: camera, manufacturer: 'stream-manager', model: 'camera' };
  const availability = { availability_topic: t.available, payload_available: 'online', payload_not_available: 'offline' };
  const sensor = {
    name: `${label} occupancy`,
    unique_id: `${id}_occupancy`,
    state_topic: t.count(camera, label),
    value_template: "{{ 'ON' if value | int > 0 else 'OFF' }}",
    device_class: 'occupancy',
    device,
    ...availability,
  };
  const snapshot = { name: `${label} snapshot`, unique_id: `${id}_snapshot`, topic: t.snapshot(camera, label), device, ...availability };
  return [
    { topic: `homeassistant/binary_sensor/${id}/occupancy/config`, payload: JSON.stringify(sensor), retain: true, qos: 1 },
    { topic: `homeassistant/camera/${id}/snapshot/config`, payload: JSON.stringify(snapshot), retain: true, qos: 1 },
  ];
}
