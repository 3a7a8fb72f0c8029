import { describe, expect, it } from 'vitest';
import { parseIpSnapshot } from './parseIpSnapshot.js';

// Trimmed from real `ip -j -d -N` output of a namespace wired by the applier.
const links = [
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP'], mtu: 65536, address: '00:00:00:00:00:00' },
  {
    ifindex: 4,
    link: 'trunk0',
    ifname: 'vlan.eth.5',
    flags: ['BROADCAST', 'MULTICAST', 'UP'],
    mtu: 9001,
    address: '02:AA:BB:CC:00:05',
    linkinfo: {
      info_kind: 'vlan',
      info_data: { protocol: '802.1Q', id: 5, flags: ['REORDER_HDR'] },
    },
    ifalias: 'podsg:0a1b2c:eth0',
  },
  {
    ifindex: 5,
    link_index: 2,
    ifname: 'vlan0123456789a',
    flags: ['BROADCAST', 'MULTICAST'],
    mtu: 9001,
    address: '02:11:22:33:44:55',
    link_netnsid: 0,
    linkinfo: { info_kind: 'veth' },
  },
];
const addresses = [
  {
    ifname: 'eth0',
    addr_info: [
      { family: 'inet', local: '10.0.1.23', prefixlen: 32 },
      { family: 'inet6', local: 'FE80::1C2:3FF:FE04:506', prefixlen: 64 },
    ],
  },
];
const routes4 = [
  { type: '1', dst: 'default', gateway: '10.0.1.1', dev: 'vlan.eth.5', table: '105', scope: '0' },
  { type: '1', dst: '10.0.1.1', dev: 'vlan.eth.5', table: '105', scope: '253' },
  { type: '1', dst: '10.0.1.23', dev: 'vlan0123456789a', table: '254', scope: '253' },
  { type: '2', dst: '10.0.1.23', dev: 'eth0', table: '255', scope: '254' },
];
const routes6 = [
  { dst: 'default', gateway: 'fe80:ec2::1', dev: 'vlan.eth.5', table: '105', metric: 1024 },
  { dst: 'fe80::/64', dev: 'vlan.eth.5', metric: 256 },
  { type: '5', dst: 'ff00::/8', dev: 'vlan.eth.5', table: '255' },
];
const rules4 = [
  { priority: 0, src: 'all', table: '255' },
  { priority: 10, src: 'all', iif: 'vlan.eth.5', table: '105' },
  { priority: 512, src: 'all', dst: '10.0.1.23', table: '254' },
  { priority: 1024, src: 'all', fwmark: '0x80', fwmask: '0x80', table: '254' },
  { priority: 1536, src: '10.0.0.0', srclen: 16, table: '105' },
  { priority: 2000, src: 'all', action: 'blackhole' },
];
const rules6 = [
  { priority: 0, src: 'all', table: '255' },
  { priority: 10, src: 'all', iif: 'vlan.eth.5', table: '105' },
];
const neighbours = [
  { dst: '169.254.1.1', dev: 'eth0', lladdr: '02:11:22:33:44:55', state: ['PERMANENT'] },
  { dst: '10.0.1.9', dev: 'eth0', state: ['FAILED'] },
];

describe('parseIpSnapshot', () => {
  const snapshot = parseIpSnapshot({
    links,
    addresses,
    neighbours,
    routes: [routes4, routes6],
    rules: { inet: rules4, inet6: rules6 },
  });

  it('reads links with kind, lowercase MAC, state, parent and VLAN id', () => {
    expect(snapshot.links).toEqual([
      { name: 'lo', mac: '00:00:00:00:00:00', mtu: 65536, up: true },
      {
        name: 'vlan.eth.5',
        kind: 'vlan',
        mac: '02:aa:bb:cc:00:05',
        mtu: 9001,
        up: true,
        parent: 'trunk0',
        vlanId: 5,
        alias: 'podsg:0a1b2c:eth0',
      },
      { name: 'vlan0123456789a', kind: 'veth', mac: '02:11:22:33:44:55', mtu: 9001, up: false },
    ]);
  });

  it('gives addresses and host routes their prefix lengths, and names tables main and local', () => {
    expect(snapshot.addresses).toEqual([
      { dev: 'eth0', cidr: '10.0.1.23/32' },
      { dev: 'eth0', cidr: 'fe80::1c2:3ff:fe04:506/64' },
    ]);
    expect(snapshot.routes).toEqual([
      { table: 105, dst: 'default', via: '10.0.1.1', dev: 'vlan.eth.5', scope: 'universe' },
      { table: 105, dst: '10.0.1.1/32', dev: 'vlan.eth.5', scope: 'link' },
      { table: 'main', dst: '10.0.1.23/32', dev: 'vlan0123456789a', scope: 'link' },
      { table: 105, dst: 'default', via: 'fe80:ec2::1', dev: 'vlan.eth.5', scope: 'universe' },
      { table: 'main', dst: 'fe80::/64', dev: 'vlan.eth.5', scope: 'universe' },
    ]);
  });

  it('reads rules per family, with selectors as CIDRs and marks with masks', () => {
    expect(snapshot.rules).toEqual([
      { priority: 0, table: 'local', family: 4 },
      { priority: 10, table: 105, iif: 'vlan.eth.5', family: 4 },
      { priority: 512, table: 'main', to: '10.0.1.23/32', family: 4 },
      { priority: 1024, table: 'main', fwmark: '0x80/0x80', family: 4 },
      { priority: 1536, table: 105, from: '10.0.0.0/16', family: 4 },
      { priority: 0, table: 'local', family: 6 },
      { priority: 10, table: 105, iif: 'vlan.eth.5', family: 6 },
    ]);
  });

  it('keeps neighbours with a link-layer address', () => {
    expect(snapshot.neighbours).toEqual([
      { dev: 'eth0', ip: '169.254.1.1', mac: '02:11:22:33:44:55', permanent: true },
    ]);
  });

  it('reads nothing from documents that are not arrays of objects', () => {
    expect(
      parseIpSnapshot({
        links: null,
        addresses: {},
        neighbours: [1, 'x'],
        routes: [],
        rules: { inet: undefined, inet6: 'x' },
      }),
    ).toEqual({
      links: [],
      addresses: [],
      routes: [],
      rules: [],
      neighbours: [],
    });
  });
});
